package dev.keyway.kernel.policy;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A policy uploaded, changed or rolled back through one node is in force on the other node's very next request:
 * the admin write returns only once every node's snapshot (and so its policy index) has it. No restart.
 */
class ClusterPolicyTest {

    @Test
    void versionsAndRollbacksTakeEffectClusterWide(@TempDir Path tmp) {
        int discovery = TestNode.freePort();
        Path pepper = tmp.resolve("pepper.key");
        List<String> plugins = List.of("key-auth", "key-user", "subscription", "policy");
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode a = TestNode.start(tmp.resolve("a"), TestNode.pluginsWith(tmp.resolve("pa"), plugins),
                     TestNode.clusterNode(discovery, "node-a", pepper));
             TestNode b = TestNode.start(tmp.resolve("b"), TestNode.pluginsWith(tmp.resolve("pb"), plugins),
                     TestNode.clusterNode(discovery, "node-b", pepper))) {
            new Seeds(a).user("u-1", User.Role.USER);
            String team = field(a.admin("POST", "/admin/teams", "{\"name\":\"T\",\"owner\":\"u-1\"}").body(), "id");
            String app = field(a.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"x\"}").body(),
                    "id");
            String key = field(a.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-1\"}")
                    .body(), "key");
            String svc = a.createService("svc", "/svc", upstream.url(), "\"teamId\":\"" + team + "\"");
            a.subscribe(app, svc);
            assertThat(call(b, key).statusCode()).isEqualTo(200);

            HttpResponse<String> created = a.admin("POST", "/admin/policies", Json.write(Map.of("name", "gate",
                    "teamId", team, "source", deny("v1"), "attachments",
                    List.of(Map.of("scope", "service", "targetId", svc)))));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = field(created.body(), "id");
            assertThat(call(b, key).body()).as("node B, next request").contains("\"code\":\"v1\"");

            assertThat(a.admin("POST", "/admin/policies/" + id + "/versions", Json.write(Map.of("source",
                    deny("v2")))).statusCode()).isEqualTo(201);
            assertThat(call(b, key).body()).contains("\"code\":\"v2\"");
            assertThat(call(a, key).body()).contains("\"code\":\"v2\"");

            assertThat(b.admin("POST", "/admin/policies/" + id + "/rollback", "{\"version\":1}").statusCode())
                    .isEqualTo(200);
            assertThat(call(a, key).body()).as("rolled back through node B, seen by node A").contains("\"code\":\"v1\"");
            assertThat(upstream.received()).as("only the call before the policy").hasSize(1);
        }
    }

    private static String deny(String code) {
        return "export default function (request, context) { return context.deny(403, '" + code + "', '" + code
                + "'); }";
    }

    private static HttpResponse<String> call(TestNode node, String key) {
        return node.send(HttpRequest.newBuilder(node.data("/svc/x")).header("Authorization", "Bearer " + key).build());
    }

}
