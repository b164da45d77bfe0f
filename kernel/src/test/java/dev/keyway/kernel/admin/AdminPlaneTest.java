package dev.keyway.kernel.admin;

import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AdminPlaneTest {
    @TempDir
    static Path tmp;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void refusesEveryAdminRouteWithoutTheToken() {
        for (String path : List.of("/admin/services", "/admin/stages", "/admin/plugins", "/admin/nope", "/other")) {
            for (String auth : new String[]{null, "Bearer wrong-token", "Basic " + TestNode.TOKEN, TestNode.TOKEN}) {
                HttpRequest.Builder b = HttpRequest.newBuilder(node.admin(path));
                if (auth != null) {
                    b.header("Authorization", auth);
                }
                HttpResponse<String> r = node.send(b.build());
                assertThat(r.statusCode()).as(path + " with " + auth).isEqualTo(401);
                assertThat(r.body()).contains("\"code\":\"unauthorized\"", "\"requestId\"")
                        .doesNotContain(TestNode.TOKEN);
            }
        }
        HttpResponse<String> post = node.send(HttpRequest.newBuilder(node.admin("/admin/services"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"pathPrefix\":\"/x\","
                        + "\"upstreams\":[\"http://127.0.0.1:1\"]}")).build());
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(node.admin("GET", "/admin/services", null).body()).doesNotContain("\"name\":\"x\"");
    }

    @Test
    void healthAndMetricsNeedNoToken() {
        HttpResponse<String> health = node.send(HttpRequest.newBuilder(node.admin("/health")).build());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
        HttpResponse<String> metrics = node.send(HttpRequest.newBuilder(node.admin("/metrics")).build());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("keyway_ring_remaining_capacity");
    }

    @Test
    void validatesServicesAndNamesTheFields() {
        HttpResponse<String> r = node.admin("POST", "/admin/services",
                "{\"name\":\"\",\"pathPrefix\":\"orders/\",\"upstreams\":[\"ftp://x\"],\"retries\":9,\"bogus\":1}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"code\":\"validation_failed\"", "\"name\"", "\"pathPrefix\"",
                "\"upstreams\"", "\"retries\"", "\"bogus\"");

        HttpResponse<String> bad = node.admin("POST", "/admin/services", "{not json");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"code\":\"invalid_json\"").doesNotContain("Exception");
    }

    @Test
    void servicesCrud() {
        String id = node.createService("crud", "/crud", "http://127.0.0.1:9", null);
        assertThat(node.admin("GET", "/admin/services/" + id, null).body())
                .contains("\"pathPrefix\":\"/crud\"", "\"connectTimeoutMs\":5000");
        HttpResponse<String> dup = node.admin("POST", "/admin/services",
                "{\"name\":\"crud2\",\"pathPrefix\":\"/crud\",\"upstreams\":[\"http://127.0.0.1:9\"]}");
        assertThat(dup.statusCode()).isEqualTo(409);
        assertThat(dup.body()).contains("\"code\":\"conflict\"");

        HttpResponse<String> upd = node.admin("PUT", "/admin/services/" + id,
                "{\"name\":\"crud\",\"pathPrefix\":\"/crud\",\"upstreams\":[\"http://127.0.0.1:10\"],\"retries\":0}");
        assertThat(upd.statusCode()).isEqualTo(200);
        assertThat(upd.body()).contains("127.0.0.1:10", "\"retries\":0");

        assertThat(node.admin("DELETE", "/admin/services/" + id, null).statusCode()).isEqualTo(204);
        HttpResponse<String> gone = node.admin("GET", "/admin/services/" + id, null);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.body()).contains("\"code\":\"not_found\"");
        assertThat(node.get("/crud/x").statusCode()).isEqualTo(404);
    }
}
