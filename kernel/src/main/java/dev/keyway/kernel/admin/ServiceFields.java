package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;
import dev.keyway.spi.ServiceVersion.Lifecycle;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses a service body. The full form lists {@code versions}; the short form puts one version's fields
 * ({@code pathPrefix}, {@code upstreams}, …) at the top level. A version's lifecycle is set only when it is created
 * ({@code draft}, the default, or {@code published}); later moves go through the lifecycle route, so an edit can
 * never silently publish or retire a version. Every failure is reported at once, by field name.
 */
final class ServiceFields {
    static final Set<String> VERSION_FIELDS = Set.of("version", "pathPrefix", "upstreams", "connectTimeoutMs",
            "readTimeoutMs", "retries", "lifecycle", "models", "prompt");
    /** A model name or alias an AI version grants: what callers put in {@code model}. */
    static final String MODEL_NAME = "[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}";
    // What GET returns but only the server sets: accepted and ignored, so a GET body can be edited and PUT back.
    private static final Set<String> VERSION_READ_ONLY = Set.of("successor", "sunsetAt", "deprecatedAt");
    private static final Set<String> SERVICE_FIELDS = Set.of("name", "teamId", "kind", "description", "tags",
            "visibility", "approval", "keyQueryParam", "versions", "id");
    private static final Set<String> ALL_FIELDS;

    static {
        Set<String> all = new HashSet<>(SERVICE_FIELDS);
        all.addAll(VERSION_FIELDS);
        ALL_FIELDS = Set.copyOf(all);
    }

    private static final String VERSION_NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,31}";

    private ServiceFields() {
    }

    /**
     * The service a body describes.
     *
     * @param body   the request body
     * @param id     the service id
     * @param before the stored service on update (versions keep their lifecycle), or null on create
     */
    static Service parse(ObjectNode body, String id, Service before) {
        Fields f = new Fields(body, ALL_FIELDS);
        String name = f.text("name", true, "[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}",
                "1-64 letters, digits, space, '.', '_' or '-'");
        String teamId = f.text("teamId", false, null, "a team id");
        Service.Kind kind = f.choice("kind", Service.Kind.class, false);
        String description = f.text("description", false, "(?s).{0,2000}", "text of at most 2000 characters");
        List<String> tags = f.texts("tags", "[a-z0-9][a-z0-9-]{0,31}", "lower-case tags (a-z 0-9 -, at most 32)");
        Service.Visibility visibility = f.choice("visibility", Service.Visibility.class, false);
        Service.Approval approval = f.choice("approval", Service.Approval.class, false);
        String keyParam = f.text("keyQueryParam", false, "[A-Za-z0-9_.-]{1,64}",
                "a query parameter name (1-64 of A-Z a-z 0-9 _ . -) or null");

        List<ServiceVersion> versions = new ArrayList<>();
        boolean shortForm = VERSION_FIELDS.stream().anyMatch(body::has);
        if (body.has("versions") && shortForm) {
            f.error("versions", "give either 'versions' or one version's fields at the top level, not both");
        } else if (body.has("versions")) {
            JsonNode list = body.get("versions");
            if (!list.isArray() || list.isEmpty()) {
                f.error("versions", "expected a non-empty array of versions");
            } else {
                for (int i = 0; i < list.size(); i++) {
                    if (!(list.get(i) instanceof ObjectNode v)) {
                        f.error("versions[" + i + "]", "expected an object");
                        continue;
                    }
                    Fields vf = new Fields(v, union(VERSION_FIELDS, VERSION_READ_ONLY));
                    ServiceVersion parsed = version(vf, null, before, kind);
                    f.merge("versions[" + i + "]", vf);
                    if (parsed != null) {
                        versions.add(parsed);
                    }
                }
            }
        } else {
            String dflt = before != null && before.versions().size() == 1 ? before.versions().getFirst().version()
                    : "v1";
            if (before != null && before.versions().size() > 1) {
                f.error("versions", "this service has " + before.versions().size() + " versions: give 'versions'");
            }
            ServiceVersion parsed = version(f, dflt, before, kind);
            if (parsed != null) {
                versions.add(parsed);
            }
        }
        Set<String> names = new HashSet<>();
        Set<String> prefixes = new HashSet<>();
        Set<String> models = new HashSet<>();
        for (ServiceVersion v : versions) {
            if (!names.add(v.version())) {
                f.error("versions", "version '" + v.version() + "' is listed twice");
            }
            for (String m : v.models()) {
                if (!models.add(m)) {
                    f.error("versions", "model '" + m + "' is granted by two versions");
                }
            }
            if (v.pathPrefix() != null && !prefixes.add(v.pathPrefix())) {
                f.error("versions", "path prefix " + v.pathPrefix() + " is used by two versions");
            }
        }
        f.check();
        return new Service(id, teamId, name, kind, description, tags, visibility, approval, keyParam, versions);
    }

    /** One version from {@code f}; {@code dfltName} is used when the body names none (short form). */
    static ServiceVersion version(Fields f, String dfltName, Service before, Service.Kind kind) {
        String version = f.text("version", dfltName == null, VERSION_NAME,
                "a version name like v1 or 2024-06 (1-32 of A-Z a-z 0-9 . _ -)");
        version = version == null ? dfltName : version;
        boolean ai = kind == Service.Kind.AI;
        boolean prompted = kind == Service.Kind.PROMPT;
        dev.keyway.spi.PromptTemplate prompt = null;
        if (prompted) {
            prompt = PromptFields.parse(f);
            if (f.has("upstreams")) {
                f.error("upstreams", "a prompt API calls its model's deployments: no upstreams");
            }
        } else if (f.has("prompt")) {
            f.error("prompt", "only prompt APIs (kind: prompt) have a prompt");
        }
        List<String> models = f.texts("models", MODEL_NAME, "model names or aliases (e.g. gpt-4o, fast)");
        if (ai) {
            if (models.isEmpty()) {
                f.error("models", "required for an AI service: the model names or aliases this version grants");
            }
            for (String field : List.of("pathPrefix", "upstreams")) {
                if (f.has(field)) {
                    f.error(field, "an AI service is reached by model name on /v1 and calls its deployments: "
                            + "no " + field);
                }
            }
        } else if (!models.isEmpty()) {
            f.error("models", "only AI services (kind: ai) grant models");
        }
        String prefix = ai ? null : f.text("pathPrefix", true, "/|(/[A-Za-z0-9._~-]+)+",
                "a path like /orders or /orders/v1 (no trailing slash, no query)");
        if (prefix != null && (prefix.equals("/v1") || prefix.startsWith("/v1/"))) {
            f.error("pathPrefix", "/v1 is reserved for the unified AI API (OpenAI- and Anthropic-style routes)");
        }
        List<String> upstreams = new ArrayList<>();
        JsonNode ups = f.node("upstreams");
        if (ai || prompted) {
            // Deployments (provider, base URL, credential) say where an AI service's models are served.
        } else if (ups == null || !ups.isArray() || ups.isEmpty()) {
            f.error("upstreams", "expected a non-empty array of http(s) URLs");
        } else {
            for (JsonNode u : ups) {
                if (!u.isTextual() || !isHttpUrl(u.asText())) {
                    f.error("upstreams", "expected http(s) URLs with a host, got " + u);
                    break;
                }
                upstreams.add(u.asText());
            }
        }
        int connect = f.integer("connectTimeoutMs", 5_000, 1, 600_000);
        int read = f.integer("readTimeoutMs", 60_000, 1, 3_600_000);
        int retries = f.integer("retries", 1, 0, 5);
        Lifecycle asked = f.choice("lifecycle", Lifecycle.class, false);
        ServiceVersion existing = before == null || version == null ? null : before.version(version).orElse(null);
        Lifecycle lifecycle;
        if (existing != null) {
            if (asked != null && asked != existing.lifecycle()) {
                f.error("lifecycle", "version " + version + " is " + lower(existing.lifecycle()) + "; change it with "
                        + "POST /admin/services/{id}/versions/" + version + "/lifecycle");
            }
            lifecycle = existing.lifecycle();
        } else {
            if (asked != null && asked != Lifecycle.DRAFT && asked != Lifecycle.PUBLISHED) {
                f.error("lifecycle", "a new version starts as draft or published");
            }
            lifecycle = asked == null ? Lifecycle.DRAFT : asked;
        }
        if (version == null || (!ai && prefix == null) || (!ai && !prompted && upstreams.isEmpty()) || !f.ok()) {
            return null;
        }
        return existing == null
                ? new ServiceVersion(version, prefix, upstreams, connect, read, retries, lifecycle, null, null, null,
                models, prompt)
                : new ServiceVersion(version, prefix, upstreams, connect, read, retries, lifecycle,
                existing.successor(), existing.sunsetAt(), existing.deprecatedAt(), models, prompt);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI u = URI.create(s);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getRawQuery() == null && u.getRawFragment() == null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
