package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.kernel.keys.KeyAudit;
import dev.keyway.kernel.keys.KeyDiagnosis;
import dev.keyway.kernel.keys.KeySecrets;
import dev.keyway.kernel.keys.KeyUsage;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Service;
import dev.keyway.spi.User;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * API keys: issue (the secret is in the 201 body once, never again), list, get, revoke, rotate with a grace
 * period, transfer to another member, test without the secret, and the orphan audit. Keys of other teams are 404.
 */
final class KeyRoutes {
    private static final String IP = "[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?";
    private static final long MAX_GRACE_SECONDS = Duration.ofDays(30).toSeconds();

    private final AdminContext context;
    private final EntityCache<StoredKey> keys;
    private final EntityCache<StoredUser> users;
    private final EntityCache<StoredTeam> teams;
    private final EntityCache<StoredApp> apps;
    private final EntityCache<Service> services;
    private final EntityCache<dev.keyway.kernel.store.StoredSubscription> subscriptions;
    private final KeyUsage usage;
    private final KeyDiagnosis diagnosis;

    KeyRoutes(AdminContext context, KeyUsage usage) {
        this.context = context;
        this.keys = context.store().entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        this.users = context.store().entities(Caches.USERS, StoredUser.class, StoredUser::id);
        this.teams = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
        this.apps = context.store().entities(Caches.APPS, StoredApp.class, StoredApp::id);
        this.services = context.store().entities(Caches.SERVICES, dev.keyway.spi.Service.class,
                dev.keyway.spi.Service::id);
        this.subscriptions = context.store().entities(Caches.SUBSCRIPTIONS,
                dev.keyway.kernel.store.StoredSubscription.class, dev.keyway.kernel.store.StoredSubscription::id);
        this.usage = usage;
        this.diagnosis = new KeyDiagnosis(users::get, teams::get, apps::get);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/keys", guard.wrap(this::issue))
                .get("/admin/keys", guard.wrap(this::list))
                .get("/admin/keys/audit", guard.wrap(this::audit))
                .get("/admin/keys/{id}", guard.wrap((req, res, who) -> Json.send(res, 200, view(find(req, who)))))
                .post("/admin/keys/{id}/revoke", guard.wrap(this::revoke))
                .post("/admin/keys/{id}/rotate", guard.wrap(this::rotate))
                .post("/admin/keys/{id}/transfer", guard.wrap(this::transfer))
                .post("/admin/keys/{id}/test", guard.wrap(this::test));
    }

    private void issue(ServerRequest req, ServerResponse res, Principal who) {
        Fields f = new Fields(Json.body(req), Set.of("appId", "userId", "scopes", "expiresAt", "allowedIps"));
        String appId = f.text("appId", true, null, "the id of the app the key is for");
        String userId = f.text("userId", false, null, "the owner's user id (default: you)");
        List<String> scopes = strings(f, "scopes", ".{1,200}");
        List<String> ips = strings(f, "allowedIps", IP);
        Instant expiresAt = instant(f, "expiresAt");
        f.check();
        StoredApp app = apps.get(appId).filter(a -> who.canSee(a.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("app", appId));
        String owner = userId == null ? who.userId() : userId;
        if (!owner.equals(who.userId())) {
            TeamRoutes.requireManage(who, app.teamId());
        }
        requireActiveMember(owner, app.teamId(), "userId");
        if (expiresAt != null && !expiresAt.isAfter(context.clock().instant())) {
            throw AdminErrors.invalid(Map.of("expiresAt", "must be in the future"));
        }
        List<String> scopeIds = serviceIds(scopes, who);
        String secret = KeySecrets.next();
        StoredKey key = new StoredKey(Ids.next("k"), KeySecrets.displayPrefix(secret), KeySecrets.lastFour(secret),
                owner, app.teamId(), app.id(), ApiKey.Status.ACTIVE, expiresAt, ips, scopeIds, null,
                context.hasher().hash(secret));
        keys.put(key);
        usage.issued(key.id());
        context.audit(who, "key.create", "key", key.id(), key.teamId(), null, view(key));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", secret);
        body.put("notice", "store this key now: it is shown only once");
        body.put("apiKey", view(key));
        res.header("Cache-Control", "no-store");
        Json.send(res, 201, body);
    }

    private void list(ServerRequest req, ServerResponse res, Principal who) {
        String team = req.query().first("teamId").orElse(null);
        String user = req.query().first("userId").orElse(null);
        String app = req.query().first("appId").orElse(null);
        Json.send(res, 200, Map.of("data", keys.all().stream()
                .filter(k -> who.canSee(k.teamId()))
                .filter(k -> (team == null || team.equals(k.teamId())) && (user == null || user.equals(k.userId()))
                        && (app == null || app.equals(k.appId())))
                .sorted(Comparator.comparing(StoredKey::id)).map(this::view).toList()));
    }

    private void revoke(ServerRequest req, ServerResponse res, Principal who) {
        StoredKey before = find(req, who);
        requireOwnerOrManager(who, before);
        StoredKey after = with(before, before.userId(), ApiKey.Status.REVOKED, before.revokeAt());
        keys.update(before, after);
        keys.awaitEverywhere(after.id());
        context.audit(who, "key.revoke", "key", after.id(), after.teamId(), view(before), view(after));
        Json.send(res, 200, view(after));
    }

    private void rotate(ServerRequest req, ServerResponse res, Principal who) {
        StoredKey before = find(req, who);
        requireOwnerOrManager(who, before);
        Fields f = new Fields(req.content().hasEntity() ? Json.body(req) : Json.MAPPER.createObjectNode(),
                Set.of("graceSeconds"));
        JsonNode g = f.node("graceSeconds");
        long grace = 0;
        if (g != null && !g.isNull()) {
            if (!g.isIntegralNumber() || g.asLong() < 0 || g.asLong() > MAX_GRACE_SECONDS) {
                f.error("graceSeconds", "expected an integer in 0.." + MAX_GRACE_SECONDS);
            } else {
                grace = g.asLong();
            }
        }
        f.check();
        if (before.toApiKey().revokedAt(context.clock().instant())) {
            throw AdminErrors.of(409, "key_revoked", "API key " + before.id() + " is revoked: issue a new key");
        }
        if (before.revokeAt() != null) {
            // Rotating again would push the old secret's end further out: a superseded key must only get shorter.
            throw AdminErrors.of(409, "key_already_rotated", "API key " + before.id() + " was already rotated and "
                    + "stops at " + before.revokeAt() + "; rotate its replacement instead");
        }
        if (before.toApiKey().expiredAt(context.clock().instant())) {
            throw AdminErrors.of(409, "key_expired", "API key " + before.id() + " has expired: issue a new key");
        }
        requireActiveMember(before.userId(), before.teamId(), "userId");
        Instant now = context.clock().instant();
        StoredKey old = grace == 0 ? with(before, before.userId(), ApiKey.Status.REVOKED, before.revokeAt())
                : with(before, before.userId(), before.status(), now.plusSeconds(grace));
        String secret = KeySecrets.next();
        StoredKey next = new StoredKey(Ids.next("k"), KeySecrets.displayPrefix(secret), KeySecrets.lastFour(secret),
                before.userId(), before.teamId(), before.appId(), ApiKey.Status.ACTIVE, before.expiresAt(),
                before.allowedIps(), before.scopes(), null, context.hasher().hash(secret));
        // The old key first, compare-and-set: a concurrent revocation wins and no replacement is issued.
        keys.update(before, old);
        keys.put(next);
        keys.awaitEverywhere(old.id());
        usage.issued(next.id());
        context.audit(who, "key.rotate", "key", before.id(), before.teamId(), view(before),
                Map.of("old", view(old), "new", view(next)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", secret);
        body.put("notice", "store this key now: it is shown only once");
        body.put("apiKey", view(next));
        body.put("replaced", view(old));
        res.header("Cache-Control", "no-store");
        Json.send(res, 201, body);
    }

    private void transfer(ServerRequest req, ServerResponse res, Principal who) {
        StoredKey before = find(req, who);
        TeamRoutes.requireManage(who, before.teamId());
        Fields f = new Fields(Json.body(req), Set.of("userId"));
        String to = f.text("userId", true, null, "the id of the new owner");
        f.check();
        requireActiveMember(to, before.teamId(), "userId");
        StoredKey after = with(before, to, before.status(), before.revokeAt());
        keys.update(before, after);
        keys.awaitEverywhere(after.id());
        context.audit(who, "key.transfer", "key", after.id(), after.teamId(), view(before), view(after));
        Json.send(res, 200, view(after));
    }

    private void test(ServerRequest req, ServerResponse res, Principal who) {
        StoredKey key = find(req, who);
        Map<String, Object> body = new LinkedHashMap<>();
        var finding = diagnosis.check(key, context.clock().instant());
        body.put("ok", finding.isEmpty());
        finding.ifPresent(x -> {
            body.put("code", x.reason());
            body.put("message", x.message());
            body.put("fix", x.fix());
        });
        body.put("apiKey", view(key));
        users.get(key.userId()).ifPresent(u -> body.put("user", Map.of("id", u.id(), "username", u.username(),
                "status", u.status())));
        teams.get(key.teamId()).ifPresent(t -> body.put("team", Map.of("id", t.id(), "name", t.name(),
                "status", t.status())));
        apps.get(key.appId()).ifPresent(a -> body.put("app", Map.of("id", a.id(), "name", a.name(),
                "status", a.status())));
        String serviceId = req.query().first("serviceId").orElse(null);
        if (serviceId != null) {
            Service service = services.get(serviceId).filter(s -> ServiceRoutes.findable(s, who))
                    .orElseThrow(() -> AdminErrors.notFound("service", serviceId));
            Map<String, Object> checked = KeyServiceCheck.check(key, service, subscriptions.all());
            if (finding.isPresent()) {
                // The key itself is refused first, exactly as on the data plane: keep that finding.
                checked.keySet().removeAll(Set.of("ok", "code", "message", "fix"));
            }
            body.putAll(checked);
        }
        Json.send(res, 200, body);
    }

    private void audit(ServerRequest req, ServerResponse res, Principal who) {
        int expiring = days(req, "expiringDays", 7);
        int unused = days(req, "unusedDays", 30);
        List<StoredKey> visible = keys.all().stream().filter(k -> who.canSee(k.teamId())).toList();
        var findings = new KeyAudit(diagnosis, usage, context.clock())
                .run(visible, Duration.ofDays(expiring), Duration.ofDays(unused));
        Json.send(res, 200, Map.of("data", findings, "checked", visible.size()));
    }

    /**
     * Scopes name services by id or name; they are stored as ids, so renaming a service, or another team later
     * taking a freed name, never widens or breaks a key.
     */
    /** Scope entries naming a model ({@code model:gpt-4o}) rather than a service. */
    static final String MODEL_SCOPE = "model:";

    private List<String> serviceIds(List<String> scopes, Principal who) {
        List<dev.keyway.spi.Service> visible = services.all().stream().filter(s -> who.canSee(s.teamId())).toList();
        List<String> ids = new ArrayList<>();
        for (String scope : scopes) {
            if (scope.startsWith(MODEL_SCOPE)) {
                // A model scope limits which models the key may ask the AI API for: kept as given.
                if (!scope.substring(MODEL_SCOPE.length()).matches(ServiceFields.MODEL_NAME)) {
                    throw AdminErrors.invalid(Map.of("scopes", "'" + scope + "' is not model:<model name>"));
                }
                if (!ids.contains(scope)) {
                    ids.add(scope);
                }
                continue;
            }
            String id = visible.stream().filter(s -> s.id().equals(scope) || s.name().equals(scope))
                    .map(dev.keyway.spi.Service::id).findFirst()
                    .orElseThrow(() -> AdminErrors.invalid(Map.of("scopes", "no service '" + scope
                            + "' that you can see (scopes name services by id or name)")));
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private void requireActiveMember(String userId, String teamId, String field) {
        StoredUser user = users.get(userId).orElseThrow(() -> AdminErrors.invalid(Map.of(field, "no user " + userId)));
        if (user.status() != User.Status.ACTIVE) {
            throw AdminErrors.invalid(Map.of(field, "user " + userId + " is disabled"));
        }
        boolean member = teams.get(teamId).flatMap(t -> t.roleOf(userId)).isPresent();
        if (!member) {
            throw AdminErrors.invalid(Map.of(field, "user " + userId + " is not a member of team " + teamId));
        }
    }

    private static void requireOwnerOrManager(Principal who, StoredKey key) {
        if (!who.userId().equals(key.userId())) {
            TeamRoutes.requireManage(who, key.teamId());
        }
    }

    private StoredKey find(ServerRequest req, Principal who) {
        String id = req.path().pathParameters().get("id");
        return keys.get(id).filter(k -> who.canSee(k.teamId())).orElseThrow(() -> AdminErrors.notFound("key", id));
    }

    private static StoredKey with(StoredKey k, String userId, ApiKey.Status status, Instant revokeAt) {
        return new StoredKey(k.id(), k.prefix(), k.lastFour(), userId, k.teamId(), k.appId(), status, k.expiresAt(),
                k.allowedIps(), k.scopes(), revokeAt, k.hash());
    }

    private Map<String, Object> view(StoredKey k) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", k.id());
        v.put("prefix", k.prefix());
        v.put("lastFour", k.lastFour());
        v.put("userId", k.userId());
        v.put("teamId", k.teamId());
        v.put("appId", k.appId());
        v.put("status", k.status().name().toLowerCase(java.util.Locale.ROOT));
        v.put("expiresAt", k.expiresAt());
        v.put("revokeAt", k.revokeAt());
        v.put("allowedIps", k.allowedIps());
        v.put("scopes", k.scopes());
        usage.of(k.id()).ifPresent(u -> {
            v.put("createdAt", u.createdAt());
            v.put("lastUsedAt", u.lastUsedAt());
        });
        return v;
    }

    private static List<String> strings(Fields f, String field, String pattern) {
        JsonNode n = f.node(field);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            f.error(field, "expected an array of strings");
            return out;
        }
        for (JsonNode v : n) {
            if (!v.isTextual() || !v.asText().matches(pattern)) {
                f.error(field, "invalid entry " + v);
                return out;
            }
            out.add(v.asText());
        }
        return out;
    }

    private static Instant instant(Fields f, String field) {
        JsonNode n = f.node(field);
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            f.error(field, "expected an ISO-8601 instant like 2027-01-31T00:00:00Z");
            return null;
        }
    }

    private static int days(ServerRequest req, String name, int dflt) {
        String v = req.query().first(name).orElse(null);
        if (v == null) {
            return dflt;
        }
        try {
            int d = Integer.parseInt(v);
            if (d >= 0 && d <= 3650) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw AdminErrors.invalid(Map.of(name, "expected an integer in 0..3650"));
    }
}
