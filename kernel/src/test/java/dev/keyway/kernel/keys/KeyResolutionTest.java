package dev.keyway.kernel.keys;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Key → user resolution end to end: real key-auth and key-user plugin JARs in a real node, keys issued over the
 * admin plane, calls over HTTP. Every rejection names its precise cause and nothing reaches the upstream.
 */
class KeyResolutionTest {
    @TempDir
    static Path tmp;
    static FakeUpstream upstream;
    static TestNode node;
    static Seeds seeds;
    static String teamId;
    static String appId;
    static String ordersId;

    @BeforeAll
    static void start() {
        upstream = new FakeUpstream();
        node = TestNode.start(tmp.resolve("data"),
                TestNode.pluginsWith(tmp.resolve("plugins"), List.of("key-auth", "key-user", "response-header")),
                Map.of());
        seeds = new Seeds(node);
        seeds.user("u-alice", User.Role.USER);
        seeds.user("u-bob", User.Role.USER);
        teamId = field(node.admin("POST", "/admin/teams", "{\"name\":\"Shop\",\"owner\":\"u-alice\"}").body(), "id");
        node.admin("PUT", "/admin/teams/" + teamId + "/members/u-bob", "{\"role\":\"member\"}");
        appId = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + teamId + "\",\"name\":\"web\"}").body(),
                "id");
        ordersId = node.createService("orders", "/orders", upstream.url(), null);
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    /** Issues a key; returns {id, secret}. */
    static String[] issue(String userId, String extra) {
        HttpResponse<String> r = node.admin("POST", "/admin/keys", "{\"appId\":\"" + appId + "\",\"userId\":\""
                + userId + "\"" + (extra == null ? "" : "," + extra) + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return new String[]{field(r.body(), "id"), field(r.body(), "key")};
    }

    static HttpResponse<String> call(String secret) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.data("/orders/1"));
        if (secret != null) {
            b.header("Authorization", "Bearer " + secret);
        }
        return node.send(b.build());
    }

    /** Asserts a rejection: status, code, the key named by id, no secret, nothing upstream. */
    static void assertRejected(String[] key, int status, String code) {
        int before = upstream.received().size();
        HttpResponse<String> r = call(key[1]);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"code\":\"" + code + "\"", key[0]).doesNotContain(key[1]);
        assertThat(r.body()).contains("\"requestId\":\"" + r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(upstream.received()).as("nothing reached the upstream").hasSize(before);
    }

    @Test
    void validKeyReachesTheUpstreamWithoutItsSecret() {
        String[] key = issue("u-alice", null);
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/orders/1"))
                .header("Authorization", "Bearer " + key[1]).header("x-api-key", key[1]).build());
        assertThat(r.statusCode()).isEqualTo(200);
        FakeUpstream.Received got = upstream.received().getLast();
        assertThat(got.headers().toString()).doesNotContain(key[1]);
        assertThat(key[1]).startsWith("kw-").hasSize(46);
    }

    @Test
    void queryStringKeysWorkOnlyForServicesThatOptInAndNeverReachTheUpstream() {
        String[] key = issue("u-alice", null);
        node.createService("gem", "/gem", upstream.url(), "\"keyQueryParam\":\"key\"");

        HttpResponse<String> ok = node.get("/gem/v1/models?a=1&key=" + key[1] + "&b=2");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        FakeUpstream.Received got = upstream.received().getLast();
        assertThat(got.query()).isEqualTo("a=1&b=2");
        assertThat(got.query() + got.headers()).doesNotContain(key[1]);

        HttpResponse<String> ignored = node.get("/orders/1?key=" + key[1]);
        assertThat(ignored.statusCode()).isEqualTo(401);
        assertThat(ignored.body()).contains("\"code\":\"invalid_api_key\"").doesNotContain(key[1]);
    }

    @Test
    void scopedKeyCallsOnlyTheServicesItNames() {
        node.createService("billing", "/billing", upstream.url(), null);
        String[] key = issue("u-alice", "\"scopes\":[\"orders\"]");
        assertThat(call(key[1]).statusCode()).isEqualTo(200);
        int before = upstream.received().size();
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/billing/1"))
                .header("Authorization", "Bearer " + key[1]).build());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"key_scope_denied\"", key[0]).doesNotContain(key[1]);
        assertThat(upstream.received()).hasSize(before);
        HttpResponse<String> unknown = node.admin("POST", "/admin/keys", "{\"appId\":\"" + appId
                + "\",\"userId\":\"u-alice\",\"scopes\":[\"nope\"]}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("\"scopes\"");
    }

    @Test
    void missingAndUnknownKeysAreInvalid() {
        HttpResponse<String> none = call(null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("\"code\":\"invalid_api_key\"");
        String bogus = "kw-" + "x".repeat(43);
        HttpResponse<String> unknown = call(bogus);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).contains("\"code\":\"invalid_api_key\"").doesNotContain(bogus);
    }

    @Test
    void revokedKeyIsRejected() {
        String[] key = issue("u-alice", null);
        assertThat(node.admin("POST", "/admin/keys/" + key[0] + "/revoke", null).statusCode()).isEqualTo(200);
        assertRejected(key, 401, "key_revoked");
    }

    @Test
    void expiredKeyIsRejected() {
        String[] key = issue("u-alice", "\"expiresAt\":\"" + Instant.now().plusSeconds(3600) + "\"");
        EntityCache<StoredKey> keys = node.node().store().entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        StoredKey k = keys.get(key[0]).orElseThrow();
        keys.put(new StoredKey(k.id(), k.prefix(), k.lastFour(), k.userId(), k.teamId(), k.appId(), k.status(),
                Instant.now().minusSeconds(1), k.allowedIps(), k.scopes(), k.revokeAt(), k.hash()));
        assertRejected(key, 401, "key_expired");
    }

    @Test
    void keyFromAnotherAddressIsRejected() {
        String[] key = issue("u-alice", "\"allowedIps\":[\"10.1.2.3\",\"192.168.0.0/16\"]");
        assertRejected(key, 403, "key_ip_not_allowed");
        String[] local = issue("u-alice", "\"allowedIps\":[\"127.0.0.0/8\"]");
        assertThat(call(local[1]).statusCode()).isEqualTo(200);
    }

    @Test
    void disabledOwnerIsRejectedOnTheNextRequestAndReEnablingRestores() {
        seeds.user("u-carol", User.Role.USER);
        node.admin("PUT", "/admin/teams/" + teamId + "/members/u-carol", "{\"role\":\"member\"}");
        String[] key = issue("u-carol", null);
        assertThat(call(key[1]).statusCode()).isEqualTo(200);

        seeds.status("u-carol", User.Status.DISABLED);
        assertRejected(key, 401, "key_owner_disabled");

        seeds.status("u-carol", User.Status.ACTIVE);
        assertThat(call(key[1]).statusCode()).isEqualTo(200);
    }

    @Test
    void missingOwnerIsRejectedAndTransferFixesIt() {
        seeds.user("u-dave", User.Role.USER);
        node.admin("PUT", "/admin/teams/" + teamId + "/members/u-dave", "{\"role\":\"member\"}");
        String[] key = issue("u-dave", null);
        seeds.users().remove("u-dave");
        assertRejected(key, 401, "key_owner_missing");

        HttpResponse<String> test = node.admin("POST", "/admin/keys/" + key[0] + "/test", null);
        assertThat(test.body()).contains("\"ok\":false", "\"code\":\"key_owner_missing\"", "transfer");
        HttpResponse<String> moved = node.admin("POST", "/admin/keys/" + key[0] + "/transfer",
                "{\"userId\":\"u-bob\"}");
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        assertThat(call(key[1]).statusCode()).isEqualTo(200);
        assertThat(node.admin("POST", "/admin/keys/" + key[0] + "/test", null).body()).contains("\"ok\":true");
    }

    @Test
    void disabledTeamAndAppAreRejected() {
        String otherTeam = field(node.admin("POST", "/admin/teams", "{\"name\":\"Ops\",\"owner\":\"u-bob\"}").body(),
                "id");
        String otherApp = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + otherTeam
                + "\",\"name\":\"cron\"}").body(), "id");
        HttpResponse<String> r = node.admin("POST", "/admin/keys", "{\"appId\":\"" + otherApp
                + "\",\"userId\":\"u-bob\"}");
        String[] key = {field(r.body(), "id"), field(r.body(), "key")};

        node.admin("PATCH", "/admin/apps/" + otherApp, "{\"status\":\"disabled\"}");
        assertRejected(key, 403, "app_disabled");
        node.admin("PATCH", "/admin/teams/" + otherTeam, "{\"status\":\"disabled\"}");
        assertRejected(key, 403, "team_disabled");
        node.admin("PATCH", "/admin/teams/" + otherTeam, "{\"status\":\"active\"}");
        node.admin("PATCH", "/admin/apps/" + otherApp, "{\"status\":\"active\"}");
        assertThat(call(key[1]).statusCode()).isEqualTo(200);
    }

    @Test
    void rotationKeepsTheOldKeyWorkingUntilTheGraceEnds() throws InterruptedException {
        String[] old = issue("u-alice", null);
        HttpResponse<String> r = node.admin("POST", "/admin/keys/" + old[0] + "/rotate", "{\"graceSeconds\":2}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String[] next = {field(r.body().substring(r.body().indexOf("\"apiKey\"")), "id"), field(r.body(), "key")};
        assertThat(next[1]).isNotEqualTo(old[1]);

        assertThat(call(next[1]).statusCode()).isEqualTo(200);
        assertThat(call(old[1]).statusCode()).as("inside the grace window").isEqualTo(200);
        HttpResponse<String> again = node.admin("POST", "/admin/keys/" + old[0] + "/rotate", "{\"graceSeconds\":600}");
        assertThat(again.statusCode()).as("a superseded key's grace never grows").isEqualTo(409);
        assertThat(again.body()).contains("\"code\":\"key_already_rotated\"");
        Thread.sleep(2_200);
        assertRejected(old, 401, "key_revoked");
        assertThat(call(next[1]).statusCode()).isEqualTo(200);
    }

    @Test
    void whoAmIReportsTheResolvedIdentityOrThePreciseRejection() {
        String[] key = issue("u-alice", "\"scopes\":[\"orders\"]");
        HttpResponse<String> me = node.send(HttpRequest.newBuilder(node.data("/v1/me"))
                .header("x-api-key", key[1]).build());
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"id\":\"" + key[0] + "\"", "\"username\":\"u-alice\"", "\"name\":\"Shop\"",
                "\"name\":\"web\"", "\"scopes\":[\"" + ordersId + "\"]", "\"limits\":[]").doesNotContain(key[1]);

        node.admin("POST", "/admin/keys/" + key[0] + "/revoke", null);
        HttpResponse<String> revoked = node.send(HttpRequest.newBuilder(node.data("/v1/me"))
                .header("x-api-key", key[1]).build());
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(revoked.body()).startsWith("{\"error\":{\"message\":").contains("\"code\":\"key_revoked\"",
                "\"type\":\"authentication_error\"");
    }

    @Test
    void rejectionsAreRecordedAsCallsWithTheirReason() throws InterruptedException {
        String[] key = issue("u-alice", null);
        node.admin("POST", "/admin/keys/" + key[0] + "/revoke", null);
        call(key[1]);
        List<String> recent = List.of();
        for (int i = 0; i < 100; i++) {
            recent = node.node().store().calls().recent(200);
            if (recent.stream().anyMatch(s -> s.contains(key[0]) && s.contains("key_revoked"))) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(recent).anySatisfy(s -> assertThat(s).contains("\"keyId\":\"" + key[0] + "\"",
                "\"errorCode\":\"key_revoked\"", "\"status\":401").doesNotContain(key[1]));
        HttpResponse<String> failures = node.admin("GET", "/admin/calls?keyId=" + key[0] + "&failed=true", null);
        assertThat(failures.statusCode()).isEqualTo(200);
        assertThat(failures.body()).contains("\"errorCode\":\"key_revoked\"", "\"path\":\"/orders/1\"");
    }

    @Test
    void auditFindsOrphansWithoutFalsePositives() {
        Seeds s = seeds;
        for (String u : List.of("u-erin", "u-fay", "u-gus")) {
            s.user(u, User.Role.USER);
            node.admin("PUT", "/admin/teams/" + teamId + "/members/" + u, "{\"role\":\"member\"}");
        }
        String[] missingOwner = issue("u-erin", null);
        String[] disabledOwner = issue("u-fay", null);
        String[] expiring = issue("u-alice", "\"expiresAt\":\"" + Instant.now().plusSeconds(86_400) + "\"");
        String[] expired = issue("u-alice", "\"expiresAt\":\"" + Instant.now().plusSeconds(3600) + "\"");
        String[] healthy = issue("u-alice", null);
        String[] revoked = issue("u-alice", null);
        String lonelyApp = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + teamId + "\",\"name\":\"lonely\"}")
                .body(), "id");
        HttpResponse<String> r = node.admin("POST", "/admin/keys", "{\"appId\":\"" + lonelyApp + "\",\"userId\":\"u-gus\"}");
        String disabledApp = field(r.body(), "id");
        node.admin("PATCH", "/admin/apps/" + lonelyApp, "{\"status\":\"disabled\"}");
        node.admin("POST", "/admin/keys/" + revoked[0] + "/revoke", null);
        seeds.users().remove("u-erin");
        seeds.status("u-fay", User.Status.DISABLED);
        EntityCache<StoredKey> keys = node.node().store().entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        StoredKey k = keys.get(expired[0]).orElseThrow();
        keys.put(new StoredKey(k.id(), k.prefix(), k.lastFour(), k.userId(), k.teamId(), k.appId(), k.status(),
                Instant.now().minusSeconds(1), k.allowedIps(), k.scopes(), k.revokeAt(), k.hash()));

        HttpResponse<String> audit = node.admin("GET", "/admin/keys/audit?expiringDays=7", null);

        assertThat(audit.statusCode()).isEqualTo(200);
        assertThat(audit.body()).contains("\"ownerId\":\"u-erin\"", "\"fix\":").doesNotContain(healthy[0], revoked[0]);
        assertFinding(audit.body(), missingOwner[0], "key_owner_missing");
        assertFinding(audit.body(), disabledOwner[0], "key_owner_disabled");
        assertFinding(audit.body(), expiring[0], "key_expiring");
        assertFinding(audit.body(), expired[0], "key_expired");
        assertFinding(audit.body(), disabledApp, "app_disabled");
        assertThat(keys.get(missingOwner[0]).orElseThrow().status()).isEqualTo(ApiKey.Status.ACTIVE);

        // The scheduled audit reports new findings once to the audit log and counts them in a metric.
        var store = node.node().store();
        var metrics = new dev.keyway.kernel.observe.Metrics();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
        var log = new dev.keyway.kernel.audit.AuditLog(store, mapper, java.time.Clock.systemUTC());
        var diagnosis = new KeyDiagnosis(
                store.entities(Caches.USERS, dev.keyway.kernel.store.StoredUser.class, x -> x.id())::get,
                store.entities(Caches.TEAMS, dev.keyway.kernel.store.StoredTeam.class, x -> x.id())::get,
                store.entities(Caches.APPS, dev.keyway.kernel.store.StoredApp.class, x -> x.id())::get);
        var usage = new KeyUsage(store.entities(Caches.KEY_USAGE, dev.keyway.kernel.store.StoredKeyUsage.class,
                x -> x.id()), java.time.Clock.systemUTC(), java.time.Duration.ofHours(1));
        try (var schedule = new KeyAuditSchedule(new KeyAudit(diagnosis, usage, java.time.Clock.systemUTC()), keys,
                log, new dev.keyway.kernel.config.KeysConfig(java.time.Duration.ZERO, 7, 30), metrics)) {
            int found = schedule.run().size();
            schedule.run();
            var entries = log.query(new dev.keyway.kernel.audit.AuditLog.Filter(null, missingOwner[0],
                    "key.audit.finding", null, null, 100), null);
            assertThat(entries).as("reported once, not on every run").hasSize(1);
            assertThat(metrics.prometheus()).contains("keyway_key_audit_findings " + found);
            assertThat(found).isGreaterThanOrEqualTo(5);
        }
    }

    private static void assertFinding(String body, String keyId, String reason) {
        assertThat(body).containsPattern("\"keyId\":\"" + keyId + "\",\"ownerId\":\"[^\"]*\",\"reason\":\""
                + reason + "\"");
    }
}
