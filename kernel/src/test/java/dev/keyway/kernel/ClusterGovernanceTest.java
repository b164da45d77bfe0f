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

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateway nodes in one cluster: a subscription change or a lifecycle move made through one node's admin plane
 * holds on the other node's very next request — asserted without polling (the admin call returns only once
 * every node's snapshot has the change). APIPark once shipped a bug where an unsubscribed key kept working.
 */
class ClusterGovernanceTest {

    @Test
    void changesMadeOnOneNodeHoldOnTheOthersNextRequest(@TempDir Path tmp) {
        int discovery = TestNode.freePort();
        Path pepper = tmp.resolve("pepper.key");
        List<String> plugins = List.of("key-auth", "key-user", "subscription");
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
            String service = a.createService("svc", "/svc", upstream.url(), "\"approval\":\"manual\"");
            String secret = field(a.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-1\"}")
                    .body(), "key");
            String sub = field(a.subscribe(app, service), "id");
            assertDenied(b, secret, upstream, 403, "subscription_pending");

            for (int round = 0; round < 5; round++) {
                TestNode writer = round % 2 == 0 ? a : b;
                TestNode reader = round % 2 == 0 ? b : a;
                move(writer, sub, round == 0 ? "approve" : "resume");
                assertThat(call(reader, secret).statusCode()).as("round %d: approved on the other node", round)
                        .isEqualTo(200);
                move(writer, sub, "suspend");
                assertDenied(reader, secret, upstream, 403, "subscription_suspended");
            }
            move(b, sub, "revoke");
            assertDenied(a, secret, upstream, 403, "subscription_required");

            String again = field(b.subscribe(app, service), "id");
            move(a, again, "approve");
            assertThat(call(b, secret).statusCode()).isEqualTo(200);
            HttpResponse<String> retired = a.admin("POST", "/admin/services/" + service + "/versions/v1/lifecycle",
                    "{\"state\":\"retired\"}");
            assertThat(retired.statusCode()).as(retired.body()).isEqualTo(200);
            assertDenied(b, secret, upstream, 410, "version_retired");
        }
    }

    private static void move(TestNode node, String subscription, String action) {
        HttpResponse<String> r = node.admin("POST", "/admin/subscriptions/" + subscription + "/" + action, null);
        assertThat(r.statusCode()).as(action + ": " + r.body()).isEqualTo(200);
    }

    private static void assertDenied(TestNode node, String secret, FakeUpstream upstream, int status, String code) {
        int before = upstream.received().size();
        HttpResponse<String> r = call(node, secret);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"code\":\"" + code + "\"");
        assertThat(upstream.received()).hasSize(before);
    }


    private static HttpResponse<String> call(TestNode node, String secret) {
        return node.send(HttpRequest.newBuilder(node.data("/svc/x")).header("Authorization", "Bearer " + secret)
                .build());
    }
}
