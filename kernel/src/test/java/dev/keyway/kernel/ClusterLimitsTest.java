package dev.keyway.kernel;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster-mode limit through two gateway nodes: calls spread over both are counted once, so the two together
 * admit the limit, not twice it (the bug LiteLLM's limits have across replicas). A local-mode limit, by contrast,
 * allows its maximum on each node.
 */
class ClusterLimitsTest {

    @Test
    void aClusterLimitIsOneCountAcrossNodesAndALocalOneIsPerNode(@TempDir Path tmp) {
        int discovery = TestNode.freePort();
        Path pepper = tmp.resolve("pepper.key");
        List<String> plugins = List.of("key-auth", "key-user", "subscription", "rate-limit");
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
            String shared = a.createService("shared", "/shared", upstream.url(), "\"teamId\":\"" + team + "\"");
            String perNode = a.createService("pernode", "/pernode", upstream.url(), "\"teamId\":\"" + team + "\"");
            a.subscribe(app, shared);
            a.subscribe(app, perNode);
            limit(a, shared, "cluster");
            limit(a, perNode, "local");

            assertThat(admitted(a, b, "/shared/x", key)).as("one count across both nodes").isEqualTo(10);
            assertThat(admitted(a, b, "/pernode/x", key)).as("ten on each node").isEqualTo(20);
        }
    }

    private static void limit(TestNode node, String service, String mode) {
        var r = node.admin("POST", "/admin/limits", "{\"subject\":\"service\",\"subjectId\":\"" + service
                + "\",\"metric\":\"requests\",\"window\":\"P1D\",\"max\":10,\"mode\":\"" + mode + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    /** Calls alternating between the nodes, 40 in all; returns how many were admitted. */
    private static int admitted(TestNode a, TestNode b, String path, String key) {
        int ok = 0;
        for (int i = 0; i < 40; i++) {
            TestNode node = i % 2 == 0 ? a : b;
            int status = node.send(HttpRequest.newBuilder(node.data(path)).header("Authorization", "Bearer " + key)
                    .build()).statusCode();
            assertThat(status).isIn(200, 429);
            ok += status == 200 ? 1 : 0;
        }
        return ok;
    }

}
