package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.spi.Service;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** CRUD for REST services: {@code /admin/services}. Validation errors are 400 with the failing field names. */
final class ServiceRoutes {
    private static final Set<String> FIELDS = Set.of("name", "pathPrefix", "upstreams", "connectTimeoutMs",
            "readTimeoutMs", "retries", "teamId", "keyQueryParam");

    private final AdminContext context;
    private final EntityCache<Service> services;

    ServiceRoutes(AdminContext context) {
        this.context = context;
        this.services = context.store().entities(Caches.SERVICES, Service.class, Service::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/services", guard.wrap(this::create))
                .get("/admin/services", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data", list(who)))))
                .get("/admin/services/{id}", guard.wrap((req, res, who) -> Json.send(res, 200, find(id(req), who))))
                .put("/admin/services/{id}", guard.wrap(this::update))
                .delete("/admin/services/{id}", guard.wrap(this::delete));
    }

    private List<Service> list(Principal who) {
        return services.all().stream().filter(s -> who.canSee(s.teamId()))
                .sorted(java.util.Comparator.comparing(Service::name)).toList();
    }

    private void create(ServerRequest req, ServerResponse res, Principal who) {
        Service service = parse(Json.body(req), "svc-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        requireManage(who, service.teamId());
        synchronized (services) {
            checkUnique(service, null, who);
            services.put(service);
        }
        context.audit(who, "service.create", "service", service.id(), service.teamId(), null, service);
        Json.send(res, 201, service);
    }

    private void update(ServerRequest req, ServerResponse res, Principal who) {
        String id = id(req);
        Service before = find(id, who);
        requireManage(who, before.teamId());
        Service service = parse(Json.body(req), id);
        requireManage(who, service.teamId());
        synchronized (services) {
            checkUnique(service, before, who);
            services.put(service);
        }
        context.audit(who, "service.update", "service", id, service.teamId(), before, service);
        Json.send(res, 200, service);
    }

    private void delete(ServerRequest req, ServerResponse res, Principal who) {
        String id = id(req);
        Service before = find(id, who);
        requireManage(who, before.teamId());
        services.remove(id);
        context.audit(who, "service.delete", "service", id, before.teamId(), before, null);
        res.status(204).send();
    }

    /** The service, or 404 when it does not exist or belongs to a team the caller cannot see. */
    private Service find(String id, Principal who) {
        return services.get(id).filter(s -> who.canSee(s.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("service", id));
    }

    private void requireManage(Principal who, String teamId) {
        if (teamId != null && !who.canSee(teamId)) {
            // Another team's id answers like one that does not exist.
            throw AdminErrors.notFound("team", teamId);
        }
        if (teamId != null && context.store().entities(Caches.TEAMS, dev.keyway.kernel.store.StoredTeam.class,
                dev.keyway.kernel.store.StoredTeam::id).get(teamId).isEmpty()) {
            throw AdminErrors.notFound("team", teamId);
        }
        requireRole(who, teamId);
    }

    private static void requireRole(Principal who, String teamId) {
        if (!who.canManage(teamId)) {
            throw AdminErrors.of(403, "forbidden", teamId == null
                    ? "services without a team need a system admin"
                    : "changing team " + teamId + "'s services needs its owner or admin role");
        }
    }

    /**
     * Names and prefixes are unique. A team may not take a prefix above or below another team's (longest-prefix
     * routing would let it capture that team's traffic) — only a system admin may. Conflicts with services the
     * caller cannot see are reported without naming them.
     */
    private void checkUnique(Service candidate, Service before, Principal who) {
        for (Service s : services.all()) {
            if (s.id().equals(candidate.id())) {
                continue;
            }
            String other = who.canSee(s.teamId()) ? " by service '" + s.name() + "' (" + s.id() + ")"
                    : " by a service of another team";
            if (s.name().equalsIgnoreCase(candidate.name())) {
                throw AdminErrors.of(409, "conflict", "the name '" + candidate.name() + "' is taken" + other);
            }
            if (s.pathPrefix().equals(candidate.pathPrefix())) {
                throw AdminErrors.of(409, "conflict", "path prefix " + candidate.pathPrefix() + " is used" + other);
            }
            boolean nested = nests(s.pathPrefix(), candidate.pathPrefix()) || nests(candidate.pathPrefix(), s.pathPrefix());
            boolean prefixChanged = before == null || !before.pathPrefix().equals(candidate.pathPrefix());
            if (nested && prefixChanged && !who.systemAdmin()
                    && !java.util.Objects.equals(s.teamId(), candidate.teamId())) {
                throw AdminErrors.of(409, "conflict", "path prefix " + candidate.pathPrefix() + " overlaps one used"
                        + other + "; only a system admin may nest prefixes across teams");
            }
        }
        if (!who.systemAdmin()) {
            for (String upstream : candidate.upstreams()) {
                // Upstreams a system admin already set are not re-judged when a team admin edits other fields.
                if ((before == null || !before.upstreams().contains(upstream))
                        && isLocal(URI.create(upstream).getHost())) {
                    throw AdminErrors.invalid(Map.of("upstreams", upstream + " is (or resolves to) a loopback or "
                            + "link-local address, or does not resolve; only a system admin may point a service "
                            + "at the gateway's own host"));
                }
            }
        }
    }

    /** Whether {@code outer} is a proper path prefix of {@code inner} on segment boundaries. */
    private static boolean nests(String outer, String inner) {
        return outer.equals("/") ? !inner.equals("/") : inner.startsWith(outer + "/");
    }

    /**
     * Whether a host is, or resolves to, a loopback, link-local or wildcard address. Names are resolved here, at
     * configuration time (a trailing dot, {@code localhost.} or a public name pointing at 127.0.0.1 do not slip
     * through); an unresolvable name is refused too. A name that changes its answer later (DNS rebinding) is not
     * caught: operators who fear that put a forward proxy or network policy in front.
     */
    private static boolean isLocal(String host) {
        if (host == null || host.isBlank()) {
            return true;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.equalsIgnoreCase("localhost") || h.toLowerCase(java.util.Locale.ROOT).endsWith(".localhost")) {
            return true;
        }
        try {
            for (java.net.InetAddress a : java.net.InetAddress.getAllByName(h)) {
                if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()) {
                    return true;
                }
            }
            return false;
        } catch (java.net.UnknownHostException e) {
            return true;
        }
    }

    private static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }

    /** Validates every field and reports all failures at once. */
    static Service parse(ObjectNode body, String id) {
        Map<String, String> errors = new LinkedHashMap<>();
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                errors.put(f, "unknown field (expected one of " + new java.util.TreeSet<>(FIELDS) + ")");
            }
        });
        String name = text(body, "name", errors);
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")) {
            errors.put("name", "expected 1-64 letters, digits, space, '.', '_' or '-'");
        }
        String prefix = text(body, "pathPrefix", errors);
        if (prefix != null && !(prefix.equals("/") || prefix.matches("(/[A-Za-z0-9._~-]+)+"))) {
            errors.put("pathPrefix", "expected a path like /orders or /api/v1 (no trailing slash, no query)");
        } else if (prefix != null && (prefix.equals("/v1") || prefix.startsWith("/v1/"))) {
            errors.put("pathPrefix", "/v1 is reserved for the unified AI API (OpenAI- and Anthropic-style routes)");
        }
        List<String> upstreams = new ArrayList<>();
        JsonNode ups = body.get("upstreams");
        if (ups == null || !ups.isArray() || ups.isEmpty()) {
            errors.put("upstreams", "expected a non-empty array of http(s) URLs");
        } else {
            for (JsonNode u : ups) {
                if (!u.isTextual() || !isHttpUrl(u.asText())) {
                    errors.put("upstreams", "expected http(s) URLs with a host, got " + u);
                    break;
                }
                upstreams.add(u.asText());
            }
        }
        int connect = integer(body, "connectTimeoutMs", 5_000, 1, 600_000, errors);
        int read = integer(body, "readTimeoutMs", 60_000, 1, 3_600_000, errors);
        int retries = integer(body, "retries", 1, 0, 5, errors);
        JsonNode team = body.get("teamId");
        JsonNode keyParam = body.get("keyQueryParam");
        if (keyParam != null && !keyParam.isNull() && !(keyParam.isTextual()
                && keyParam.asText().matches("[A-Za-z0-9_.-]{1,64}"))) {
            errors.put("keyQueryParam", "expected a query parameter name (1-64 of A-Z a-z 0-9 _ . -) or null");
        }
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        return new Service(id, team == null || team.isNull() ? null : team.asText(), name, prefix, upstreams,
                connect, read, retries, keyParam == null || keyParam.isNull() ? null : keyParam.asText());
    }

    private static String text(ObjectNode body, String field, Map<String, String> errors) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            errors.put(field, "required text");
            return null;
        }
        return n.asText().trim();
    }

    private static int integer(ObjectNode body, String field, int dflt, int min, int max, Map<String, String> errors) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
            errors.put(field, "expected an integer in " + min + ".." + max + ", got " + n);
            return dflt;
        }
        return n.asInt();
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
