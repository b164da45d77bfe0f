package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.kernel.identity.AdminClient;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.testing.LogCapture;
import dev.keyway.kernel.testing.TestNode;
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
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.identity.AdminClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Bootstrap, login, logout and /admin/me on a real node. The bootstrap test runs first: it creates the admin. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionRoutesTest {
    private static final String ADMIN_PASSWORD = "first-admin-passphrase-7";

    @TempDir
    static Path tmp;
    static TestNode node;
    static AdminClient client;
    static LogCapture logs;

    @BeforeAll
    static void start() throws Exception {
        logs = new LogCapture();
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        client = new AdminClient(node);
    }

    @AfterAll
    static void stop() {
        node.close();
        logs.close();
    }

    @Test
    @Order(1)
    void bootstrapCreatesTheFirstAdminOnceAndRetiresTheToken() {
        HttpResponse<String> weak = client.call("POST", "/admin/bootstrap", TestNode.TOKEN,
                "{\"username\":\"root\",\"password\":\"password1234\"}");
        assertThat(weak.statusCode()).isEqualTo(400);
        assertThat(json(weak).at("/error/code").asText()).isEqualTo("validation_failed");
        assertThat(json(weak).at("/error/fields/password").asText()).contains("common").doesNotContain("password1234");

        HttpResponse<String> noToken = client.call("POST", "/admin/bootstrap", null,
                "{\"username\":\"root\",\"password\":\"" + ADMIN_PASSWORD + "\"}");
        assertThat(noToken.statusCode()).isEqualTo(401);

        HttpResponse<String> created = client.call("POST", "/admin/bootstrap", TestNode.TOKEN,
                "{\"username\":\"Root\",\"password\":\"" + ADMIN_PASSWORD + "\",\"email\":\"root@example.com\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("username").asText()).isEqualTo("root");
        assertThat(json(created).get("role").asText()).isEqualTo("admin");
        assertThat(json(created).get("status").asText()).isEqualTo("active");
        assertThat(created.body()).doesNotContain("passwordHash", "pbkdf2", ADMIN_PASSWORD);

        assertThat(client.call("GET", "/admin/services", TestNode.TOKEN, null).statusCode()).isEqualTo(401);
        HttpResponse<String> again = client.call("POST", "/admin/bootstrap", TestNode.TOKEN,
                "{\"username\":\"root2\",\"password\":\"" + ADMIN_PASSWORD + "\"}");
        assertThat(again.statusCode()).isEqualTo(401);

        String token = client.token("root", ADMIN_PASSWORD);
        HttpResponse<String> audit = client.call("GET", "/admin/audit?action=user.bootstrap", token, null);
        assertThat(audit.body()).contains("\"user.bootstrap\"", json(created).get("id").asText());
    }

    @Test
    @Order(2)
    void loginReturnsAWorkingSessionToken() {
        HttpResponse<String> r = client.login("ROOT", ADMIN_PASSWORD);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("token").asText()).startsWith("kws-").hasSizeGreaterThanOrEqualTo(4 + 43);
        assertThat(Instant.parse(body.get("expiresAt").asText())).isAfter(Instant.now().plusSeconds(7 * 3600));
        assertThat(body.at("/user/username").asText()).isEqualTo("root");
        assertThat(body.at("/user/role").asText()).isEqualTo("admin");

        HttpResponse<String> me = client.call("GET", "/admin/me", body.get("token").asText(), null);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(json(me).get("id").asText()).isEqualTo(body.at("/user/id").asText());
        assertThat(json(me).get("role").asText()).isEqualTo("admin");
    }

    @Test
    @Order(2)
    void wrongPasswordAndUnknownUserAreIndistinguishable() {
        HttpResponse<String> wrong = client.login("root", "not-the-right-password");
        HttpResponse<String> unknown = client.login("nobody-here", "not-the-right-password");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(json(wrong).at("/error/code").asText()).isEqualTo("invalid_credentials");
        assertThat(withoutRequestId(wrong)).isEqualTo(withoutRequestId(unknown));
    }

    @Test
    @Order(2)
    void throttlesAUsernameAfterFiveFailures() {
        String admin = client.token("root", ADMIN_PASSWORD);
        client.createUser(admin, "target", "user", "quiet-lantern-river-42");
        for (int i = 0; i < 5; i++) {
            assertThat(client.login("target", "guess-number-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> refused = client.login("target", "quiet-lantern-river-42");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(json(refused).at("/error/code").asText()).isEqualTo("too_many_attempts");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        // The lockout is the username's: others log in from the same address.
        assertThat(client.login("root", ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void logoutEndsTheSession() {
        String token = client.token("root", ADMIN_PASSWORD);
        assertThat(client.call("GET", "/admin/me", token, null).statusCode()).isEqualTo(200);
        assertThat(client.call("POST", "/admin/logout", token, null).statusCode()).isEqualTo(204);
        assertThat(client.call("GET", "/admin/me", token, null).statusCode()).isEqualTo(401);
        assertThat(client.call("POST", "/admin/logout", token, null).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(2)
    void meListsTheCallersTeamsWithRoles() {
        String admin = client.token("root", ADMIN_PASSWORD);
        String id = client.createUser(admin, "member", "user", "velvet-canyon-pebble-9");
        node.node().store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id).put(new StoredTeam("team-me",
                "Payments", null, Team.Status.ACTIVE, List.of(new StoredTeam.Member(id, StoredTeam.Role.ADMIN)),
                Instant.now(), Instant.now()));
        HttpResponse<String> me = client.call("GET", "/admin/me", client.token("member", "velvet-canyon-pebble-9"),
                null);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(json(me).get("role").asText()).isEqualTo("user");
        assertThat(json(me).at("/teams/0/teamId").asText()).isEqualTo("team-me");
        assertThat(json(me).at("/teams/0/name").asText()).isEqualTo("Payments");
        assertThat(json(me).at("/teams/0/role").asText()).isEqualTo("admin");
    }

    @Test
    @Order(3)
    void passwordsAndTokensNeverReachTheLogs() {
        String token = client.token("root", ADMIN_PASSWORD);
        assertThat(logs.text()).doesNotContain(ADMIN_PASSWORD, "quiet-lantern-river-42", "velvet-canyon-pebble-9",
                "guess-number-", token);
        HttpResponse<String> audit = client.call("GET", "/admin/audit", token, null);
        assertThat(audit.statusCode()).isEqualTo(200);
        assertThat(audit.body()).doesNotContain(ADMIN_PASSWORD, "quiet-lantern-river-42", "pbkdf2");
    }

    private static String withoutRequestId(HttpResponse<String> r) {
        return r.body().replaceAll("\"requestId\":\"[^\"]*\"", "");
    }
}
