package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider that answers and then stalls mid-stream: after {@code keyway.ai.timeout} of silence the gateway
 * ends the caller's stream with an error event (in the caller's protocol) rather than holding it open for ever.
 */
class StreamStallTest {

    @Test
    void aStreamSilentForTheTimeoutEndsWithAnErrorEvent(@TempDir Path tmp) {
        try (FakeOpenAi fake = new FakeOpenAi();
             TestNode node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                     List.of("key-auth", "key-user", "subscription", "openai")), Map.of("keyway.ai.timeout", "PT1S"))) {
            new Seeds(node).user("u-dev", User.Role.USER);
            String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(),
                    "id");
            String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"b\"}")
                    .body(), "id");
            String key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\"}")
                    .body(), "key");
            String service = field(node.admin("POST", "/admin/services", "{\"name\":\"llm\",\"teamId\":\"" + team
                    + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\"m\"],"
                    + "\"lifecycle\":\"published\"}]}").body(), "id");
            node.subscribe(app, service);
            node.admin("POST", "/admin/ai/deployments", "{\"model\":\"m\",\"provider\":\"openai\",\"baseUrl\":\""
                    + fake.baseUrl() + "\",\"teamId\":\"" + team + "\"}");

            fake.stallNext(Duration.ofSeconds(4));
            HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"stream\":true,\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build());
            assertThat(r.statusCode()).isEqualTo(200);
            // "stalled" is the gateway's own message: its watchdog ended the stream, not the provider.
            assertThat(r.body()).contains("\"error\"", "stalled", "data: [DONE]").doesNotContain("Hello");
        }
    }
}
