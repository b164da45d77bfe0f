package dev.keyway.kernel.admin;

import dev.keyway.kernel.identity.AdminClient;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.testing.LogCapture;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Team;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.identity.AdminClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /admin/users} on a real node, as the system admin and as team members. The leak check runs last. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserRoutesTest {
    private static final String ADMIN_PASSWORD = "orchard-admin-lantern-5";
    private static final String PASSWORD = "shared-meadow-harbor-31";
    private static final String NEW_PASSWORD = "brand-new-glacier-echo-8";

    @TempDir
    static Path tmp;
    static TestNode node;
    static AdminClient client;
    static LogCapture logs;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        logs = new LogCapture();
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        client = new AdminClient(node);
        assertThat(client.call("POST", "/admin/bootstrap", TestNode.TOKEN, "{\"username\":\"root\",\"password\":\""
                + ADMIN_PASSWORD + "\"}").statusCode()).isEqualTo(201);
        admin = client.token("root", ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        node.close();
        logs.close();
    }

    @Test
    void createReportsEveryInvalidFieldAndKeepsUsernamesUnique() {
        HttpResponse<String> bad = client.call("POST", "/admin/users", admin, "{\"username\":\"a b\",\"email\":\"x\","
                + "\"role\":\"root\",\"password\":\"short\",\"extra\":1}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).at("/error/code").asText()).isEqualTo("validation_failed");
        assertThat(json(bad).at("/error/fields").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("username", "email", "role", "password", "extra");
        assertThat(json(bad).at("/error/fields/password").asText()).contains("at least 12");

        client.createUser(admin, "dupe", "user", PASSWORD);
        HttpResponse<String> dup = client.call("POST", "/admin/users", admin, "{\"username\":\"DUPE\",\"email\":"
                + "\"d@example.com\",\"password\":\"" + PASSWORD + "\"}");
        assertThat(dup.statusCode()).isEqualTo(409);
    }

    @Test
    void membersSeeOnlyTheirTeammatesAndChangeOnlyThemselves() {
        String alice = client.createUser(admin, "alice", "user", PASSWORD);
        String bob = client.createUser(admin, "bob", "user", PASSWORD);
        String carol = client.createUser(admin, "carol", "user", PASSWORD);
        team("team-ab", alice, bob);
        String token = client.token("alice", PASSWORD);

        assertThat(client.call("POST", "/admin/users", token, "{\"username\":\"mallory\",\"email\":"
                + "\"m@example.com\",\"password\":\"" + PASSWORD + "\"}").statusCode()).isEqualTo(403);
        HttpResponse<String> list = client.call("GET", "/admin/users", token, null);
        assertThat(json(list).get("data").findValuesAsText("id")).containsExactlyInAnyOrder(alice, bob);
        assertThat(client.call("GET", "/admin/users/" + bob, token, null).statusCode()).isEqualTo(200);
        HttpResponse<String> hidden = client.call("GET", "/admin/users/" + carol, token, null);
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(withoutRequestId(hidden)).isEqualTo(withoutRequestId(
                client.call("GET", "/admin/users/usr-missing", token, null)).replace("usr-missing", carol));
        assertThat(client.call("PATCH", "/admin/users/" + carol, token, "{\"displayName\":\"x\"}").statusCode())
                .isEqualTo(404);
        assertThat(client.call("DELETE", "/admin/users/" + carol, token, null).statusCode()).isEqualTo(404);
        assertThat(client.call("PATCH", "/admin/users/" + bob, token, "{\"displayName\":\"x\"}").statusCode())
                .isEqualTo(403);
        assertThat(client.call("DELETE", "/admin/users/" + bob, token, null).statusCode()).isEqualTo(403);

        HttpResponse<String> self = client.call("PATCH", "/admin/users/" + alice, token,
                "{\"displayName\":\"Alice A.\",\"email\":\"alice@corp.example\"}");
        assertThat(self.statusCode()).isEqualTo(200);
        assertThat(json(self).get("displayName").asText()).isEqualTo("Alice A.");
        assertThat(client.call("PATCH", "/admin/users/" + alice, token, "{\"role\":\"admin\"}").statusCode())
                .isEqualTo(403);
    }

    @Test
    void changingYourOwnPasswordNeedsTheCurrentOneAndEndsOtherSessions() {
        String id = client.createUser(admin, "pat", "user", PASSWORD);
        String mine = client.token("pat", PASSWORD);
        String other = client.token("pat", PASSWORD);
        HttpResponse<String> noCurrent = client.call("PATCH", "/admin/users/" + id, mine,
                "{\"password\":\"" + NEW_PASSWORD + "\"}");
        assertThat(noCurrent.statusCode()).isEqualTo(400);
        assertThat(json(noCurrent).at("/error/fields/currentPassword").isMissingNode()).isFalse();

        assertThat(client.call("PATCH", "/admin/users/" + id, mine, "{\"password\":\"" + NEW_PASSWORD
                + "\",\"currentPassword\":\"" + PASSWORD + "\"}").statusCode()).isEqualTo(200);
        assertThat(client.call("GET", "/admin/me", mine, null).statusCode()).isEqualTo(200);
        assertThat(client.call("GET", "/admin/me", other, null).statusCode()).isEqualTo(401);
        assertThat(client.login("pat", PASSWORD).statusCode()).isEqualTo(401);
        assertThat(client.login("pat", NEW_PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void aBorrowedSessionCannotGuessTheCurrentPasswordForever() {
        String id = client.createUser(admin, "quinn", "user", PASSWORD);
        String session = client.token("quinn", PASSWORD);
        int status = 0;
        for (int i = 0; i < 7 && status != 429; i++) {
            status = client.call("PATCH", "/admin/users/" + id, session, "{\"password\":\"" + NEW_PASSWORD
                    + "\",\"currentPassword\":\"wrong-guess-" + i + "-xxxxxx\"}").statusCode();
        }
        assertThat(status).as("throttled like logins after 5 failures").isEqualTo(429);
        HttpResponse<String> right = client.call("PATCH", "/admin/users/" + id, session, "{\"password\":\""
                + NEW_PASSWORD + "\",\"currentPassword\":\"" + PASSWORD + "\"}");
        assertThat(right.statusCode()).as("even the right password waits out the lockout").isEqualTo(429);
        assertThat(right.headers().firstValue("retry-after")).isPresent();
    }

    @Test
    void disablingAUserEndsTheirSessionsAndLoginsUntilReEnabled() {
        String id = client.createUser(admin, "dave", "user", PASSWORD);
        String token = client.token("dave", PASSWORD);
        assertThat(client.call("GET", "/admin/me", token, null).statusCode()).isEqualTo(200);

        HttpResponse<String> off = client.call("PATCH", "/admin/users/" + id, admin, "{\"status\":\"disabled\"}");
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(json(off).get("status").asText()).isEqualTo("disabled");
        assertThat(client.call("GET", "/admin/me", token, null).statusCode()).isEqualTo(401);
        HttpResponse<String> refused = client.login("dave", PASSWORD);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(json(refused).at("/error/code").asText()).isEqualTo("invalid_credentials");

        assertThat(client.call("PATCH", "/admin/users/" + id, admin, "{\"status\":\"active\"}").statusCode())
                .isEqualTo(200);
        assertThat(client.call("GET", "/admin/me", client.token("dave", PASSWORD), null).statusCode()).isEqualTo(200);
        HttpResponse<String> audit = client.call("GET", "/admin/audit?action=user.update&target=" + id, admin, null);
        assertThat(json(audit).get("data")).hasSize(2);
    }

    @Test
    void theLastActiveAdminCannotBeDisabledDemotedOrDeleted() {
        String root = json(client.call("GET", "/admin/me", admin, null)).get("id").asText();
        for (String change : List.of("{\"status\":\"disabled\"}", "{\"role\":\"user\"}")) {
            HttpResponse<String> r = client.call("PATCH", "/admin/users/" + root, admin, change);
            assertThat(r.statusCode()).as(change).isEqualTo(409);
            assertThat(json(r).at("/error/code").asText()).isEqualTo("last_admin");
        }
        assertThat(client.call("DELETE", "/admin/users/" + root, admin, null).statusCode()).isEqualTo(409);
        assertThat(client.call("GET", "/admin/me", admin, null).statusCode()).isEqualTo(200);
    }

    @Test
    void deletingAUserWithActiveKeysNeedsRevokeOrTransfer() {
        String erin = client.createUser(admin, "erin", "user", PASSWORD);
        String frank = client.createUser(admin, "frank", "user", PASSWORD);
        String gina = client.createUser(admin, "gina", "user", PASSWORD);
        team("team-keys", erin, frank);
        EntityCache<StoredKey> keys = node.node().store().entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        keys.put(key("k-erin-1", erin, ApiKey.Status.ACTIVE));
        keys.put(key("k-erin-2", erin, ApiKey.Status.ACTIVE));
        keys.put(key("k-erin-old", erin, ApiKey.Status.REVOKED));

        HttpResponse<String> refused = client.call("DELETE", "/admin/users/" + erin, admin, null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused).at("/error/code").asText()).isEqualTo("user_has_keys");
        assertThat(json(refused).at("/error/message").asText()).contains("k-erin-1", "k-erin-2", "keys=revoke",
                "keys=transfer&to=").doesNotContain("k-erin-old");

        assertThat(client.call("DELETE", "/admin/users/" + erin + "?keys=burn", admin, null).statusCode())
                .isEqualTo(400);
        assertThat(client.call("DELETE", "/admin/users/" + erin + "?keys=transfer", admin, null).statusCode())
                .isEqualTo(400);
        HttpResponse<String> outsider = client.call("DELETE", "/admin/users/" + erin + "?keys=transfer&to=" + gina,
                admin, null);
        assertThat(outsider.statusCode()).isEqualTo(400);
        assertThat(json(outsider).at("/error/fields/to").asText()).contains("k-erin-1", "team-keys");
        assertThat(client.call("GET", "/admin/users/" + erin, admin, null).statusCode()).isEqualTo(200);
        assertThat(keys.get("k-erin-1").orElseThrow().userId()).isEqualTo(erin);

        assertThat(client.call("DELETE", "/admin/users/" + erin + "?keys=transfer&to=" + frank, admin, null)
                .statusCode()).isEqualTo(204);
        assertThat(client.call("GET", "/admin/users/" + erin, admin, null).statusCode()).isEqualTo(404);
        for (String k : List.of("k-erin-1", "k-erin-2")) {
            assertThat(keys.get(k).orElseThrow().userId()).isEqualTo(frank);
            assertThat(keys.get(k).orElseThrow().status()).isEqualTo(ApiKey.Status.ACTIVE);
        }
        assertThat(keys.get("k-erin-old").orElseThrow().userId()).isEqualTo(erin);
        assertThat(client.call("GET", "/admin/audit?action=key.transfer", admin, null).body())
                .contains("k-erin-1", "k-erin-2", "\"teamId\":\"team-keys\"");

        String hank = client.createUser(admin, "hank", "user", PASSWORD);
        String hankToken = client.token("hank", PASSWORD);
        keys.put(key("k-hank", hank, ApiKey.Status.ACTIVE));
        assertThat(client.call("DELETE", "/admin/users/" + hank + "?keys=revoke", admin, null).statusCode())
                .isEqualTo(204);
        assertThat(keys.get("k-hank").orElseThrow().status()).isEqualTo(ApiKey.Status.REVOKED);
        assertThat(client.call("GET", "/admin/me", hankToken, null).statusCode()).isEqualTo(401);
        String audit = client.call("GET", "/admin/audit?action=key.revoke", admin, null).body();
        assertThat(audit).contains("k-hank");
        assertThat(client.call("GET", "/admin/audit?action=user.delete", admin, null).body()).contains(erin, hank);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void clearPasswordsNeverAppearInResponsesTheAuditLogOrTheLogs() {
        String audit = client.call("GET", "/admin/audit?limit=10000", admin, null).body();
        assertThat(audit).contains("user.create");
        for (String secret : List.of(ADMIN_PASSWORD, PASSWORD, NEW_PASSWORD)) {
            assertThat(client.allBodies()).doesNotContain(secret);
            assertThat(audit).doesNotContain(secret);
            assertThat(logs.text()).doesNotContain(secret);
        }
        assertThat(client.allBodies()).doesNotContain("pbkdf2", "passwordHash");
    }

    private static void team(String id, String... members) {
        node.node().store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id).put(new StoredTeam(id, id, null,
                Team.Status.ACTIVE, Arrays.stream(members).map(m -> new StoredTeam.Member(m, StoredTeam.Role.MEMBER))
                .toList(), Instant.now(), Instant.now()));
    }

    private static StoredKey key(String id, String userId, ApiKey.Status status) {
        return new StoredKey(id, "kw-" + id, "abcd", userId, "team-keys", "app-1", status, null, List.of(), List.of(),
                null, "hash-of-" + id);
    }

    private static String withoutRequestId(HttpResponse<String> r) {
        return r.body().replaceAll("\"requestId\":\"[^\"]*\"", "");
    }
}
