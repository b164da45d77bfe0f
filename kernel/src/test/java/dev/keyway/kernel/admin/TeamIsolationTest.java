package dev.keyway.kernel.admin;

import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member of team A can never read, list, change or infer team B's objects: every admin route that takes an id
 * of B's answers 404 (exactly as for an id that does not exist), and lists leave B's objects out.
 */
class TeamIsolationTest {
    @TempDir
    static Path tmp;
    static TestNode node;
    static String alice;
    static String memberOfA;
    static String adminOfA;
    static String teamA;
    static String teamB;
    static String appA;
    static String appB;
    static String keyB;
    static String serviceB;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        Seeds seeds = new Seeds(node);
        seeds.user("u-alice", User.Role.USER);
        seeds.user("u-mo", User.Role.USER);
        seeds.user("u-bob", User.Role.USER);
        teamA = field(node.admin("POST", "/admin/teams", "{\"name\":\"A\",\"owner\":\"u-alice\"}").body(), "id");
        teamB = field(node.admin("POST", "/admin/teams", "{\"name\":\"B\",\"owner\":\"u-bob\"}").body(), "id");
        node.admin("PUT", "/admin/teams/" + teamA + "/members/u-mo", "{\"role\":\"member\"}");
        appA = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + teamA + "\",\"name\":\"a\"}").body(), "id");
        appB = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + teamB + "\",\"name\":\"b\"}").body(), "id");
        keyB = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + appB + "\",\"userId\":\"u-bob\"}").body(),
                "id");
        serviceB = node.createService("b-svc", "/b", "http://127.0.0.1:9", "\"teamId\":\"" + teamB + "\"");
        seeds.user("u-adm", User.Role.USER);
        node.admin("PUT", "/admin/teams/" + teamA + "/members/u-adm", "{\"role\":\"admin\"}");
        node.createService("system-wide", "/sys", "http://127.0.0.1:9", null);
        alice = seeds.session("u-alice");
        memberOfA = seeds.session("u-mo");
        adminOfA = seeds.session("u-adm");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void everyRouteTakingAnIdOfAnotherTeamAnswers404() {
        List<String[]> routes = List.of(
                new String[]{"GET", "/admin/teams/" + teamB, null},
                new String[]{"PATCH", "/admin/teams/" + teamB, "{\"name\":\"mine\"}"},
                new String[]{"DELETE", "/admin/teams/" + teamB, null},
                new String[]{"PUT", "/admin/teams/" + teamB + "/members/u-alice", "{\"role\":\"owner\"}"},
                new String[]{"DELETE", "/admin/teams/" + teamB + "/members/u-bob", null},
                new String[]{"GET", "/admin/apps/" + appB, null},
                new String[]{"PATCH", "/admin/apps/" + appB, "{\"status\":\"disabled\"}"},
                new String[]{"DELETE", "/admin/apps/" + appB, null},
                new String[]{"POST", "/admin/apps", "{\"teamId\":\"" + teamB + "\",\"name\":\"x\"}"},
                new String[]{"GET", "/admin/keys/" + keyB, null},
                new String[]{"POST", "/admin/keys/" + keyB + "/revoke", null},
                new String[]{"POST", "/admin/keys/" + keyB + "/rotate", "{\"graceSeconds\":0}"},
                new String[]{"POST", "/admin/keys/" + keyB + "/transfer", "{\"userId\":\"u-alice\"}"},
                new String[]{"POST", "/admin/keys/" + keyB + "/test", null},
                new String[]{"POST", "/admin/keys", "{\"appId\":\"" + appB + "\"}"},
                new String[]{"GET", "/admin/services/" + serviceB, null},
                new String[]{"PUT", "/admin/services/" + serviceB, "{\"name\":\"b-svc\",\"pathPrefix\":\"/b\","
                        + "\"upstreams\":[\"http://127.0.0.1:9\"],\"teamId\":\"" + teamB + "\"}"},
                new String[]{"DELETE", "/admin/services/" + serviceB, null},
                new String[]{"POST", "/admin/services", "{\"name\":\"into-b\",\"pathPrefix\":\"/into-b\","
                        + "\"upstreams\":[\"http://10.0.0.1:9\"],\"teamId\":\"" + teamB + "\"}"});
        for (String[] r : routes) {
            HttpResponse<String> real = node.adminAs(alice, r[0], r[1], r[2]);
            assertThat(real.statusCode()).as(r[0] + " " + r[1] + ": " + real.body()).isEqualTo(404);
            assertThat(real.body()).contains("\"code\":\"not_found\"");
            HttpResponse<String> missing = node.adminAs(alice, r[0], r[1].replace(teamB, "t-nope")
                    .replace(appB, "app-nope").replace(keyB, "k-nope").replace(serviceB, "svc-nope"), r[2]);
            assertThat(missing.statusCode()).as("same answer as a missing id: " + r[1]).isEqualTo(404);
        }
        String mine = field(node.adminAs(alice, "POST", "/admin/services", "{\"name\":\"a-own\",\"pathPrefix\":"
                + "\"/a-own\",\"upstreams\":[\"http://10.0.0.1:9\"],\"teamId\":\"" + teamA + "\"}").body(), "id");
        HttpResponse<String> moveToB = node.adminAs(alice, "PUT", "/admin/services/" + mine, "{\"name\":\"a-own\","
                + "\"pathPrefix\":\"/a-own\",\"upstreams\":[\"http://10.0.0.1:9\"],\"teamId\":\"" + teamB + "\"}");
        assertThat(moveToB.statusCode()).as(moveToB.body()).isEqualTo(404);
        // Nothing changed.
        assertThat(node.admin("GET", "/admin/keys/" + keyB, null).body()).contains("\"status\":\"active\"");
        assertThat(node.admin("GET", "/admin/apps/" + appB, null).body()).contains("\"status\":\"active\"");
        assertThat(node.admin("GET", "/admin/services/" + serviceB, null).statusCode()).isEqualTo(200);
    }

    @Test
    void listsLeaveOtherTeamsOut() {
        for (String path : List.of("/admin/teams", "/admin/apps", "/admin/apps?teamId=" + teamB, "/admin/keys",
                "/admin/keys?teamId=" + teamB, "/admin/services", "/admin/keys/audit", "/admin/audit?limit=1000",
                "/admin/calls", "/admin/users", "/admin/calls?keyId=" + keyB, "/admin/audit?target=" + keyB,
                "/admin/keys/audit?teamId=" + teamB, "/admin/keys?userId=u-bob")) {
            HttpResponse<String> r = node.adminAs(alice, "GET", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).doesNotContain(teamB, appB, keyB, serviceB);
        }
        assertThat(node.adminAs(alice, "GET", "/admin/teams", null).body()).contains(teamA);
        assertThat(node.adminAs(alice, "GET", "/admin/apps", null).body()).contains(appA);
        assertThat(node.adminAs(alice, "GET", "/admin/audit?limit=1000", null).body()).contains(teamA);
    }

    @Test
    void aTeamCannotTakeAPrefixAboveOrBelowAnotherTeamsNorLearnItsName() {
        for (String prefix : List.of("/b/inner", "/")) {
            HttpResponse<String> r = node.adminAs(alice, "POST", "/admin/services", "{\"name\":\"grab" + prefix.length()
                    + "\",\"pathPrefix\":\"" + prefix + "\",\"upstreams\":[\"http://10.0.0.1:9\"],\"teamId\":\""
                    + teamA + "\"}");
            assertThat(r.statusCode()).as(prefix + ": " + r.body()).isEqualTo(409);
            assertThat(r.body()).contains("another team").doesNotContain(serviceB, "b-svc");
        }
        HttpResponse<String> local = node.adminAs(alice, "POST", "/admin/services", "{\"name\":\"local\","
                + "\"pathPrefix\":\"/a-local\",\"upstreams\":[\"http://127.0.0.1:9080\"],\"teamId\":\"" + teamA + "\"}");
        assertThat(local.statusCode()).isEqualTo(400);
        assertThat(local.body()).contains("\"upstreams\"", "loopback");
        HttpResponse<String> own = node.adminAs(alice, "POST", "/admin/services", "{\"name\":\"a-svc\","
                + "\"pathPrefix\":\"/a\",\"upstreams\":[\"http://10.0.0.1:9\"],\"teamId\":\"" + teamA + "\"}");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(201);
    }

    @Test
    void teamAdminsCannotDemoteOrRemoveOwnersNorPullInOutsiders() {
        assertThat(node.adminAs(adminOfA, "PUT", "/admin/teams/" + teamA + "/members/u-alice",
                "{\"role\":\"member\"}").statusCode()).isEqualTo(403);
        assertThat(node.adminAs(adminOfA, "DELETE", "/admin/teams/" + teamA + "/members/u-alice", null)
                .statusCode()).isEqualTo(403);
        HttpResponse<String> outsider = node.adminAs(adminOfA, "PUT", "/admin/teams/" + teamA + "/members/u-bob",
                "{\"role\":\"member\"}");
        assertThat(outsider.statusCode()).isEqualTo(404);
        HttpResponse<String> nobody = node.adminAs(adminOfA, "PUT", "/admin/teams/" + teamA + "/members/u-nobody",
                "{\"role\":\"member\"}");
        assertThat(nobody.statusCode()).isEqualTo(404);
        assertThat(field(outsider.body(), "message").replace("u-bob", "X"))
                .as("an outsider answers exactly like a user that does not exist")
                .isEqualTo(field(nobody.body(), "message").replace("u-nobody", "X"));
        HttpResponse<String> lastOwner = node.adminAs(alice, "DELETE", "/admin/teams/" + teamA + "/members/u-alice",
                null);
        assertThat(lastOwner.statusCode()).isEqualTo(409);
        assertThat(lastOwner.body()).contains("\"code\":\"last_owner\"");
    }

    @Test
    void aMemberWithKeysLeavesOnlyWhenTheRequestSaysWhatHappensToThem() {
        new Seeds(node).user("u-kim", User.Role.USER);
        node.admin("PUT", "/admin/teams/" + teamA + "/members/u-kim", "{\"role\":\"member\"}");
        String key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + appA + "\",\"userId\":\"u-kim\"}")
                .body(), "id");
        HttpResponse<String> refused = node.adminAs(alice, "DELETE", "/admin/teams/" + teamA + "/members/u-kim", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("\"code\":\"member_has_keys\"", key);
        assertThat(node.adminAs(alice, "DELETE", "/admin/teams/" + teamA + "/members/u-kim?keys=revoke", null)
                .statusCode()).isEqualTo(204);
        assertThat(node.admin("GET", "/admin/keys/" + key, null).body()).contains("\"status\":\"revoked\"");
    }

    @Test
    void nodeLevelRoutesNeedASystemAdmin() {
        for (String path : List.of("/admin/stages", "/admin/plugins")) {
            HttpResponse<String> r = node.adminAs(alice, "GET", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(r.body()).contains("\"code\":\"forbidden\"");
        }
        assertThat(node.adminAs(alice, "POST", "/admin/teams", "{\"name\":\"C\"}").statusCode()).isEqualTo(403);
        assertThat(node.adminAs(alice, "POST", "/admin/plugins", "{\"file\":\"x.jar\"}").statusCode()).isEqualTo(403);
        assertThat(node.adminAs(alice, "POST", "/admin/plugins/key-auth/reload", null).statusCode()).isEqualTo(403);
        assertThat(node.adminAs(alice, "DELETE", "/admin/plugins/key-auth", null).statusCode()).isEqualTo(403);
    }

    @Test
    void membersReadButOnlyOwnersAndAdminsChange() {
        assertThat(node.adminAs(memberOfA, "GET", "/admin/apps/" + appA, null).statusCode()).isEqualTo(200);
        HttpResponse<String> change = node.adminAs(memberOfA, "PATCH", "/admin/apps/" + appA,
                "{\"status\":\"disabled\"}");
        assertThat(change.statusCode()).isEqualTo(403);
        assertThat(node.adminAs(memberOfA, "PUT", "/admin/teams/" + teamA + "/members/u-mo",
                "{\"role\":\"owner\"}").statusCode()).isEqualTo(403);
        assertThat(node.adminAs(alice, "PATCH", "/admin/apps/" + appA, "{\"description\":\"ok\"}").statusCode())
                .isEqualTo(200);
    }
}
