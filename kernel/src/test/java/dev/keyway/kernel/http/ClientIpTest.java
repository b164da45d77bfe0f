package dev.keyway.kernel.http;

import dev.keyway.kernel.config.KeywayConfig;
import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who the client is: the socket peer, unless a trusted proxy vouches for someone else in X-Forwarded-For. Unit
 * tests of the walk, then real nodes (test requests come from 127.0.0.1) where the answer decides a key's IP
 * allow-list, the header sent upstream and the call record.
 */
class ClientIpTest {
    private static final ClientIp PROXIES = ClientIp.trusting(List.of("10.0.0.0/8", "192.168.1.1"));

    private static ClientIp.Resolved resolve(ClientIp ip, String peer, String... headerLines) {
        return ip.resolve(peer, List.of(headerLines));
    }

    @Test
    void untrustedPeerIgnoresTheHeader() {
        assertThat(resolve(PROXIES, "127.0.0.1", "203.0.113.7"))
                .isEqualTo(new ClientIp.Resolved("127.0.0.1", "127.0.0.1"));
        assertThat(resolve(ClientIp.trusting(List.of()), "10.0.0.1", "203.0.113.7, 10.0.0.2"))
                .as("nothing is trusted by default").isEqualTo(new ClientIp.Resolved("10.0.0.1", "10.0.0.1"));
    }

    @Test
    void trustedPeerWithoutHeaderIsTheClient() {
        assertThat(resolve(PROXIES, "10.0.0.1")).isEqualTo(new ClientIp.Resolved("10.0.0.1", "10.0.0.1"));
        assertThat(resolve(PROXIES, "10.0.0.1", "", " , ")).isEqualTo(new ClientIp.Resolved("10.0.0.1", "10.0.0.1"));
    }

    @Test
    void trustedPeerVouchesForOneHop() {
        assertThat(resolve(PROXIES, "10.0.0.1", "203.0.113.7"))
                .isEqualTo(new ClientIp.Resolved("203.0.113.7", "203.0.113.7, 10.0.0.1"));
    }

    @Test
    void trustedHopsAreSkippedFromTheRight() {
        assertThat(resolve(PROXIES, "10.0.0.1", "203.0.113.7, 192.168.1.1,10.0.0.2"))
                .isEqualTo(new ClientIp.Resolved("203.0.113.7", "203.0.113.7, 192.168.1.1, 10.0.0.2, 10.0.0.1"));
    }

    @Test
    void entriesLeftOfTheFirstUntrustedHopAreNotBelieved() {
        ClientIp.Resolved r = resolve(PROXIES, "10.0.0.1", "1.2.3.4, 10.9.9.9, 198.51.100.1, 10.0.0.2");
        assertThat(r.address()).isEqualTo("198.51.100.1");
        assertThat(r.forwardedFor()).isEqualTo("198.51.100.1, 10.0.0.2, 10.0.0.1")
                .doesNotContain("1.2.3.4", "10.9.9.9");
    }

    @Test
    void allHopsTrustedMeansTheLeftmostIsTheClient() {
        assertThat(resolve(PROXIES, "10.0.0.1", "10.0.0.3, 192.168.1.1, 10.0.0.2"))
                .isEqualTo(new ClientIp.Resolved("10.0.0.3", "10.0.0.3, 192.168.1.1, 10.0.0.2, 10.0.0.1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unknown", "203.0.113.0/24", "10.0.0.0/8", "not-an-ip", "203.0.113.7:99999", "010.0.0.1",
            "10.1", "256.0.0.1", "_hidden", "2001:db8::zz", "[2001:db8::1", "[2001:db8::1]x"})
    void garbageMakesTheClientUnknownNeverTheProxy(String garbage) {
        // Not the proxy's address: a key allow-listing the proxy would otherwise pass for anyone behind it.
        assertThat(resolve(PROXIES, "10.0.0.1", garbage)).as("rightmost")
                .isEqualTo(new ClientIp.Resolved(ClientIp.UNKNOWN, "10.0.0.1"));
        assertThat(resolve(PROXIES, "10.0.0.1", "203.0.113.7, " + garbage + ", 10.0.0.2")).as("in the middle")
                .isEqualTo(new ClientIp.Resolved(ClientIp.UNKNOWN, "10.0.0.2, 10.0.0.1"));
        assertThat(resolve(PROXIES, "10.0.0.1", garbage + ", 203.0.113.7")).as("left of the client: never read")
                .isEqualTo(new ClientIp.Resolved("203.0.113.7", "203.0.113.7, 10.0.0.1"));
    }

    @Test
    void portsAndBracketsAreStrippedFromHops() {
        assertThat(resolve(PROXIES, "10.0.0.1", "203.0.113.7:54321"))
                .isEqualTo(new ClientIp.Resolved("203.0.113.7", "203.0.113.7, 10.0.0.1"));
        assertThat(resolve(PROXIES, "10.0.0.1", "[2001:db8::1]:443, 10.0.0.2:80").address())
                .isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(resolve(PROXIES, "10.0.0.1", "[2001:db8::1]").address()).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void headerLinesFormOneChainInOrder() {
        assertThat(resolve(PROXIES, "10.0.0.1", "1.2.3.4, 198.51.100.1", "10.0.0.3", "192.168.1.1, 10.0.0.2"))
                .isEqualTo(new ClientIp.Resolved("198.51.100.1",
                        "198.51.100.1, 10.0.0.3, 192.168.1.1, 10.0.0.2, 10.0.0.1"));
        assertThat(resolve(PROXIES, "10.0.0.1", "203.0.113.7", "198.51.100.1").address())
                .as("the last line is the nearest hop").isEqualTo("198.51.100.1");
    }

    @Test
    void ipv6PeersHopsAndRanges() {
        ClientIp ip = ClientIp.trusting(List.of("::1", "2001:db8::/32"));
        assertThat(resolve(ip, "0:0:0:0:0:0:0:1", "2001:db8:ffff::1, 2a00:1450:4001::200e, 2001:db8:0:1::2"))
                .as("the JDK's long form of ::1 is trusted; hops take the same long form")
                .isEqualTo(new ClientIp.Resolved("2a00:1450:4001:0:0:0:0:200e",
                        "2a00:1450:4001:0:0:0:0:200e, 2001:db8:0:1:0:0:0:2, 0:0:0:0:0:0:0:1"));
        assertThat(resolve(ip, "2001:db9::1", "203.0.113.7"))
                .as("just outside the range").isEqualTo(new ClientIp.Resolved("2001:db9::1", "2001:db9::1"));
        assertThat(resolve(ClientIp.trusting(List.of("127.0.0.1")), "::ffff:127.0.0.1", "203.0.113.7").address())
                .as("an IPv4-mapped peer counts as its IPv4 address").isEqualTo("203.0.113.7");
        assertThat(resolve(ip, "::1", "203.0.113.7, ::ffff:10.0.0.9").address())
                .as("a mapped hop outside the IPv6 ranges is the client, as its IPv4 address").isEqualTo("10.0.0.9");
    }

    @ParameterizedTest
    @ValueSource(strings = {"proxy.internal", "10.0.0.0/33", "10.0.0.300", "", "unknown", "2001:db8::/129"})
    void invalidTrustedProxyIsRefusedByName(String entry) {
        assertThatThrownBy(() -> ClientIp.trusting(List.of("10.0.0.1", entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trusted-proxies: '" + entry + "'");
        assertThatThrownBy(() -> KeywayConfig.load(Map.of(),
                Map.of("keyway.data-plane.trusted-proxies", "127.0.0.1," + entry + "x")))
                .as("the config refuses it before any node starts")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "x'");
    }

    @Test
    void byDefaultAForwardedHeaderChangesNothing(@TempDir Path tmp) throws InterruptedException {
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode node = TestNode.start(tmp.resolve("data"),
                     TestNode.pluginsWith(tmp.resolve("plugins"), List.of("key-auth", "key-user")), Map.of())) {
            String app = app(node);
            node.createService("orders", "/orders", upstream.url(), null);

            String[] remote = issue(node, app, "203.0.113.7");
            HttpResponse<String> denied = call(node, remote[1], "203.0.113.7");
            assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
            assertThat(denied.body()).contains("\"code\":\"key_ip_not_allowed\"", "127.0.0.1");
            assertThat(upstream.received()).as("nothing reached the upstream").isEmpty();

            String[] local = issue(node, app, "127.0.0.1");
            HttpResponse<String> ok = call(node, local[1], "203.0.113.7");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(upstream.received()).hasSize(1);
            assertThat(upstream.received().getLast().headers().entrySet())
                    .filteredOn(e -> e.getKey().equalsIgnoreCase("X-Forwarded-For"))
                    .singleElement().satisfies(e -> assertThat(e.getValue()).containsExactly("127.0.0.1"));
            assertThat(recordedClient(node, local[0])).isEqualTo("127.0.0.1");
            assertThat(recordedClient(node, remote[0])).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void behindATrustedProxyTheRightmostUntrustedHopIsTheClient(@TempDir Path tmp) throws InterruptedException {
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode node = TestNode.start(tmp.resolve("data"),
                     TestNode.pluginsWith(tmp.resolve("plugins"), List.of("key-auth", "key-user")),
                     Map.of("keyway.data-plane.trusted-proxies", "127.0.0.1"))) {
            String app = app(node);
            node.createService("orders", "/orders", upstream.url(), null);
            String[] key = issue(node, app, "203.0.113.7");

            HttpResponse<String> ok = call(node, key[1], "198.51.100.1, 203.0.113.7");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(upstream.received().getLast().header("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");
            assertThat(recordedClient(node, key[0])).isEqualTo("203.0.113.7");

            HttpResponse<String> twoLines = call(node, key[1], "198.51.100.1", "203.0.113.7");
            assertThat(twoLines.statusCode()).as("two header lines are one chain: " + twoLines.body())
                    .isEqualTo(200);
            assertThat(upstream.received().getLast().header("X-Forwarded-For")).isEqualTo("203.0.113.7, 127.0.0.1");

            int before = upstream.received().size();
            HttpResponse<String> forged = call(node, key[1], "203.0.113.7, 198.51.100.1");
            assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
            assertThat(forged.body()).contains("\"code\":\"key_ip_not_allowed\"", "198.51.100.1");
            assertThat(upstream.received()).as("nothing reached the upstream").hasSize(before);
        }
    }

    /** A user, a team and an app on a fresh node; returns the app id. */
    private static String app(TestNode node) {
        new Seeds(node).user("u-alice", User.Role.USER);
        String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"Shop\",\"owner\":\"u-alice\"}").body(),
                "id");
        return field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"web\"}").body(),
                "id");
    }

    /** Issues a key allowing one address; returns {id, secret}. */
    private static String[] issue(TestNode node, String app, String allowedIp) {
        HttpResponse<String> r = node.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                + "\",\"userId\":\"u-alice\",\"allowedIps\":[\"" + allowedIp + "\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return new String[]{field(r.body(), "id"), field(r.body(), "key")};
    }

    /** Calls the data plane with a key and one X-Forwarded-For header line per value. */
    private static HttpResponse<String> call(TestNode node, String secret, String... forwardedFor) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.data("/orders/1")).header("Authorization",
                "Bearer " + secret);
        for (String line : forwardedFor) {
            b.header("X-Forwarded-For", line);
        }
        return node.send(b.build());
    }

    /** The client address of the newest call record of a key; records are written asynchronously, so poll. */
    private static String recordedClient(TestNode node, String keyId) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = node.admin("GET", "/admin/calls?keyId=" + keyId + "&limit=1", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            body = r.body();
            if (body.contains("\"clientAddress\"")) {
                return field(body, "clientAddress");
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no call record of key " + keyId + " within 10 s: " + body);
    }
}
