package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.kernel.ai.Credentials;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredCredential;
import dev.keyway.kernel.store.StoredDeployment;
import dev.keyway.kernel.store.StoredModel;
import dev.keyway.kernel.store.StoredTeam;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.math.BigDecimal;
import java.net.URI;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The AI gateway's admin routes: provider credentials ({@code /admin/ai/credentials}: the secret goes in once and
 * is never returned, only a masked hint), deployments ({@code /admin/ai/deployments}: where a model name is
 * served) and the model catalog ({@code /admin/ai/models}: prices, operators' overrides). Team-scoped like
 * services: other teams' ids answer 404.
 */
final class AiAdminRoutes {
    private static final Set<String> CREDENTIAL_FIELDS = Set.of("name", "provider", "secret", "teamId");
    private static final Set<String> DEPLOYMENT_FIELDS = Set.of("model", "provider", "baseUrl", "upstreamModel",
            "credentialId", "priority", "weight", "settings", "teamId");
    private static final Set<String> MODEL_FIELDS = Set.of("contextWindow", "maxOutputTokens", "capabilities",
            "inputPrice", "outputPrice");
    private static final String PROVIDER = "[a-z0-9][a-z0-9-]{0,31}";
    // What a header value can carry as is: a pasted key with a stray newline or zero-width space is refused here,
    // not at call time (where the HTTP client's error would quote it).
    private static final String SECRET = "[\\x21-\\x7e]{1,4096}";
    /** Settings that become part of a URL or a header: checked so they cannot redirect a call elsewhere. */
    private static final Map<String, String> SETTING_RULES = Map.of(
            "chat-path", "(/[A-Za-z0-9._~-]+)+(\\?[A-Za-z0-9._~=&-]*)?",
            "embeddings-path", "(/[A-Za-z0-9._~-]+)+(\\?[A-Za-z0-9._~=&-]*)?",
            "api-version", "[A-Za-z0-9._-]{1,64}",
            "auth-header", "[A-Za-z0-9-]{1,64}",
            "anthropic-version", "[A-Za-z0-9._-]{1,64}",
            "default-max-tokens", "[1-9][0-9]{0,6}",
            "num-ctx", "[1-9][0-9]{0,7}");

    private final AdminContext context;
    private final EntityCache<StoredCredential> credentials;
    private final EntityCache<StoredDeployment> deployments;
    private final EntityCache<StoredModel> models;

    AiAdminRoutes(AdminContext context) {
        this.context = context;
        this.credentials = context.store().entities(Caches.AI_CREDENTIALS, StoredCredential.class,
                StoredCredential::id);
        this.deployments = context.store().entities(Caches.AI_DEPLOYMENTS, StoredDeployment.class,
                StoredDeployment::id);
        this.models = context.store().entities(Caches.AI_MODELS, StoredModel.class, StoredModel::key);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/ai/credentials", guard.wrap(this::createCredential))
                .get("/admin/ai/credentials", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data",
                        credentials.all().stream().filter(c -> who.canSee(c.teamId())).map(AiAdminRoutes::view)
                                .toList()))))
                .get("/admin/ai/credentials/{id}", guard.wrap((req, res, who) ->
                        Json.send(res, 200, view(credential(id(req), who)))))
                .put("/admin/ai/credentials/{id}", guard.wrap(this::replaceSecret))
                .delete("/admin/ai/credentials/{id}", guard.wrap(this::deleteCredential))
                .post("/admin/ai/deployments", guard.wrap((req, res, who) -> saveDeployment(req, res, who, null)))
                .get("/admin/ai/deployments", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data",
                        deployments.all().stream().filter(d -> who.canSee(d.teamId()))
                                .sorted(Comparator.comparing(StoredDeployment::model)
                                        .thenComparing(StoredDeployment::priority)).toList()))))
                .get("/admin/ai/deployments/{id}", guard.wrap((req, res, who) ->
                        Json.send(res, 200, deployment(id(req), who))))
                .put("/admin/ai/deployments/{id}", guard.wrap((req, res, who) ->
                        saveDeployment(req, res, who, deployment(id(req), who))))
                .delete("/admin/ai/deployments/{id}", guard.wrap(this::deleteDeployment))
                .get("/admin/ai/models", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data",
                        context.models().all()))))
                .put("/admin/ai/models/{provider}/{model}", guard.wrap(this::putModel))
                .delete("/admin/ai/models/{provider}/{model}", guard.wrap(this::deleteModel));
    }

    private void createCredential(ServerRequest req, ServerResponse res, Principal who) {
        Fields f = new Fields(Json.body(req), CREDENTIAL_FIELDS);
        String name = f.text("name", true, "[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}", "1-64 letters, digits, space . _ -");
        String provider = f.text("provider", true, PROVIDER, "a provider id such as openai or anthropic");
        String secret = f.text("secret", true, SECRET, "the provider's API key or token (printable ASCII, no spaces)");
        String teamId = f.text("teamId", false, null, "a team id");
        f.check();
        requireManage(who, teamId);
        String id = Ids.next("cred");
        StoredCredential c = new StoredCredential(id, teamId, name, provider,
                context.credentials().seal(id, secret), Credentials.hint(secret), context.clock().instant());
        credentials.put(c);
        context.audit(who, "ai.credential.create", "credential", id, teamId, null, view(c));
        Json.send(res, 201, view(c));
    }

    private void replaceSecret(ServerRequest req, ServerResponse res, Principal who) {
        StoredCredential before = credential(id(req), who);
        requireManage(who, before.teamId());
        Fields f = new Fields(Json.body(req), Set.of("secret"));
        String secret = f.text("secret", true, SECRET, "the provider's new API key or token (printable ASCII, no "
                + "spaces)");
        f.check();
        StoredCredential after = new StoredCredential(before.id(), before.teamId(), before.name(), before.provider(),
                context.credentials().seal(before.id(), secret), Credentials.hint(secret), context.clock().instant());
        credentials.update(before, after);
        credentials.awaitEverywhere(after.id());
        context.audit(who, "ai.credential.rotate", "credential", after.id(), after.teamId(), view(before), view(after));
        Json.send(res, 200, view(after));
    }

    private void deleteCredential(ServerRequest req, ServerResponse res, Principal who) {
        StoredCredential c = credential(id(req), who);
        requireManage(who, c.teamId());
        long used = deployments.all().stream().filter(d -> c.id().equals(d.credentialId())).count();
        if (used > 0) {
            throw AdminErrors.of(409, "conflict", "credential " + c.id() + " is used by " + used + " deployment(s); "
                    + "point them at another credential first");
        }
        credentials.remove(c.id());
        context.audit(who, "ai.credential.delete", "credential", c.id(), c.teamId(), view(c), null);
        res.status(204).send();
    }

    private void saveDeployment(ServerRequest req, ServerResponse res, Principal who, StoredDeployment before) {
        Fields f = new Fields(Json.body(req), DEPLOYMENT_FIELDS);
        String model = f.text("model", true, ServiceFields.MODEL_NAME, "the model name callers use (or an alias)");
        String provider = f.text("provider", true, PROVIDER, "a provider id such as openai or anthropic");
        String baseUrl = f.text("baseUrl", true, null, "the provider's API base URL, e.g. https://api.openai.com/v1");
        if (baseUrl != null && !isHttpUrl(baseUrl)) {
            f.error("baseUrl", "expected an http(s) URL with a host (no user info, query or fragment)");
        }
        String upstreamModel = f.text("upstreamModel", false, "[\\x21-\\x7e]{1,256}", "the model as the provider "
                + "names it (printable ASCII, no spaces)");
        String credentialId = f.text("credentialId", false, null, "a credential id");
        int priority = f.integer("priority", 0, 0, 100);
        int weight = f.integer("weight", 1, 1, 1000);
        String teamId = f.has("teamId") || before == null ? f.text("teamId", false, null, "a team id") : before.teamId();
        Map<String, String> settings = settings(f);
        f.check();
        requireManage(who, teamId);
        if (before != null) {
            // Moving a deployment out of a team needs the right to change it there too.
            requireManage(who, before.teamId());
        }
        if (!who.systemAdmin() && (before == null || !before.baseUrl().equals(baseUrl))
                && Hosts.isLocal(URI.create(baseUrl).getHost())) {
            throw AdminErrors.invalid(Map.of("baseUrl", baseUrl + " is (or resolves to) a loopback or link-local "
                    + "address, or does not resolve; only a system admin may point a deployment at the gateway's own "
                    + "host (a local Ollama, for instance)"));
        }
        if (credentialId != null) {
            StoredCredential c = credential(credentialId, who);
            if (!java.util.Objects.equals(c.teamId(), teamId) && c.teamId() != null) {
                throw AdminErrors.invalid(Map.of("credentialId", "belongs to another team than the deployment"));
            }
        }
        StoredDeployment d = new StoredDeployment(before == null ? Ids.next("dep") : before.id(), teamId, model,
                provider, baseUrl, upstreamModel == null ? model : upstreamModel, credentialId, priority, weight,
                settings);
        if (before == null) {
            deployments.put(d);
        } else {
            deployments.update(before, d);
        }
        deployments.awaitEverywhere(d.id());
        context.audit(who, before == null ? "ai.deployment.create" : "ai.deployment.update", "deployment", d.id(),
                teamId, before, d);
        Json.send(res, before == null ? 201 : 200, d);
    }

    private void deleteDeployment(ServerRequest req, ServerResponse res, Principal who) {
        StoredDeployment d = deployment(id(req), who);
        requireManage(who, d.teamId());
        deployments.remove(d.id());
        deployments.awaitEverywhere(d.id());
        context.audit(who, "ai.deployment.delete", "deployment", d.id(), d.teamId(), d, null);
        res.status(204).send();
    }

    /** {@code PUT /admin/ai/models/{provider}/{model}}: add a model or override a shipped one (system admins). */
    private void putModel(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        String provider = req.path().pathParameters().get("provider");
        String model = req.path().pathParameters().get("model");
        Fields f = new Fields(Json.body(req), MODEL_FIELDS);
        int context = f.integer("contextWindow", 0, 0, Integer.MAX_VALUE);
        int maxOut = f.integer("maxOutputTokens", 0, 0, Integer.MAX_VALUE);
        java.util.List<String> caps = f.texts("capabilities", "chat|tools|vision|embeddings",
                "capabilities from chat, tools, vision, embeddings");
        BigDecimal in = price(f, "inputPrice");
        BigDecimal out = price(f, "outputPrice");
        f.check();
        StoredModel m = new StoredModel(provider, model, context, maxOut == 0 ? null : (long) maxOut, caps, in, out);
        StoredModel before = models.get(m.key()).orElse(null);
        models.put(m);
        this.context.audit(who, "ai.model.put", "model", m.key(), null, before, m);
        Json.send(res, 200, m);
    }

    private void deleteModel(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        String key = req.path().pathParameters().get("provider") + "/" + req.path().pathParameters().get("model");
        StoredModel before = models.get(key).orElseThrow(() -> AdminErrors.notFound("model override", key));
        models.remove(key);
        context.audit(who, "ai.model.delete", "model", key, null, before, null);
        res.status(204).send();
    }

    private static BigDecimal price(Fields f, String field) {
        JsonNode n = f.node(field);
        if (n == null || n.isNull()) {
            f.error(field, "required: USD per million tokens, e.g. 2.5");
            return BigDecimal.ZERO;
        }
        if (!n.isNumber() || n.decimalValue().signum() < 0) {
            f.error(field, "expected a non-negative number (USD per million tokens)");
            return BigDecimal.ZERO;
        }
        return n.decimalValue();
    }

    private static Map<String, String> settings(Fields f) {
        JsonNode n = f.node("settings");
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            f.error("settings", "expected an object of text values");
            return out;
        }
        n.fields().forEachRemaining(e -> {
            String rule = SETTING_RULES.get(e.getKey());
            if (rule != null && !(e.getValue().isTextual() && e.getValue().asText().matches(rule))) {
                f.error("settings." + e.getKey(), "expected text matching " + rule);
            } else if (e.getValue().isTextual() && e.getKey().matches("[a-z0-9][a-z0-9.-]{0,63}")) {
                out.put(e.getKey(), e.getValue().asText());
            } else {
                f.error("settings." + e.getKey(), "expected a text value under a lower-case name");
            }
        });
        return out;
    }

    private StoredCredential credential(String id, Principal who) {
        return credentials.get(id).filter(c -> who.canSee(c.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("credential", id));
    }

    private StoredDeployment deployment(String id, Principal who) {
        return deployments.get(id).filter(d -> who.canSee(d.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("deployment", id));
    }

    private void requireManage(Principal who, String teamId) {
        if (teamId != null && (!who.canSee(teamId) || context.store().entities(Caches.TEAMS, StoredTeam.class,
                StoredTeam::id).get(teamId).isEmpty())) {
            throw AdminErrors.notFound("team", teamId);
        }
        if (!who.canManage(teamId)) {
            throw AdminErrors.of(403, "forbidden", teamId == null ? "system-level AI settings need a system admin"
                    : "changing team " + teamId + "'s AI settings needs its owner or admin role");
        }
    }

    /** What the API shows of a credential: never the secret or its ciphertext, only a masked hint. */
    private static Map<String, Object> view(StoredCredential c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", c.id());
        v.put("teamId", c.teamId());
        v.put("name", c.name());
        v.put("provider", c.provider());
        v.put("hint", c.hint());
        v.put("createdAt", c.createdAt());
        return v;
    }

    private static boolean isHttpUrl(String s) {
        try {
            URI u = URI.create(s);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getRawUserInfo() == null && u.getRawQuery() == null && u.getRawFragment() == null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }
}
