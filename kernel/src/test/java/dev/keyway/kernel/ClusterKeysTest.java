package dev.keyway.kernel;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two gateway nodes in one Ignite cluster: a key issued on one works on the other, a revocation or a disabled
 * owner on one is refused by the other on its next requests (local snapshots follow the store), and a node
 * whose pepper differs from the cluster's refuses to start instead of failing every key.
 */
class ClusterKeysTest {

    @Test
    void keysAndTheirRevocationReachEveryNode(@TempDir Path tmp) throws Exception {
        int discovery = TestNode.freePort();
        Path pepper = tmp.resolve("pepper.key");
        List<String> plugins = List.of("key-auth", "key-user");
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode a = TestNode.start(tmp.resolve("a"), TestNode.pluginsWith(tmp.resolve("pa"), plugins),
                     TestNode.clusterNode(discovery, "node-a", pepper));
             TestNode b = TestNode.start(tmp.resolve("b"), TestNode.pluginsWith(tmp.resolve("pb"), plugins),
                     TestNode.clusterNode(discovery, "node-b", pepper))) {
            assertThat(a.node().store().ignite().cluster().forServers().nodes()).hasSize(2);
            new Seeds(a).user("u-1", User.Role.USER);
            String team = field(a.admin("POST", "/admin/teams", "{\"name\":\"T\",\"owner\":\"u-1\"}").body(), "id");
            String app = field(a.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"x\"}").body(),
                    "id");
            a.createService("svc", "/svc", upstream.url(), null);
            HttpResponse<String> issued = a.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                    + "\",\"userId\":\"u-1\"}");
            String id = field(issued.body(), "id");
            String secret = field(issued.body(), "key");

            assertThat(eventually(b, secret, 200)).as("a key issued on node a works on node b").isEqualTo(200);

            new Seeds(b).status("u-1", User.Status.DISABLED);
            assertThat(eventually(a, secret, 401)).isEqualTo(401);
            assertThat(call(a, secret).body()).contains("key_owner_disabled");
            new Seeds(b).status("u-1", User.Status.ACTIVE);
            assertThat(eventually(a, secret, 200)).isEqualTo(200);

            a.admin("POST", "/admin/keys/" + id + "/revoke", null);
            assertThat(eventually(b, secret, 401)).isEqualTo(401);
            assertThat(call(b, secret).body()).contains("key_revoked");

            assertThatThrownBy(() -> TestNode.start(tmp.resolve("c"),
                    TestNode.pluginsWith(tmp.resolve("pc"), plugins),
                    TestNode.clusterNode(discovery, "node-c", tmp.resolve("other-pepper.key"))))
                    .hasMessageContaining("differs from the pepper the cluster's keys were hashed with");

            // The same for the key provider credentials are encrypted under: every node needs a copy of it.
            Map<String, String> otherMasterKey = new java.util.HashMap<>(TestNode.clusterNode(discovery, "node-d", pepper));
            otherMasterKey.put("keyway.master-key-file", tmp.resolve("other-master.key").toString());
            assertThatThrownBy(() -> TestNode.start(tmp.resolve("d"), TestNode.pluginsWith(tmp.resolve("pd"), plugins),
                    otherMasterKey))
                    .hasMessageContaining("differs from the master key the cluster's provider credentials were "
                            + "encrypted with");
        }
    }


    private static HttpResponse<String> call(TestNode node, String secret) {
        return node.send(HttpRequest.newBuilder(node.data("/svc/x")).header("Authorization", "Bearer " + secret)
                .build());
    }

    /** Snapshots follow the store within milliseconds; poll briefly rather than race the continuous query. */
    private static int eventually(TestNode node, String secret, int expected) throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 100 && last != expected; i++) {
            last = call(node, secret).statusCode();
            if (last != expected) {
                Thread.sleep(20);
            }
        }
        return last;
    }
}
