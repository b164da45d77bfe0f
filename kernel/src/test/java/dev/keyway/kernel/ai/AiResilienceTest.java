package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.LogCapture;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries, fallback and circuit breaking against local fake providers, and the secrecy of provider credentials:
 * the primary deployment ({@code primary}) fails in scripted ways, the fallback ({@code backup}, priority 1)
 * answers; what each fake received says where each attempt went.
 */
class AiResilienceTest {
    static final String SECRET = "sk-primary-SECRET-9f8e7d6c5b4a";
    @TempDir
    static Path tmp;
    static FakeOpenAi primary;
    static FakeOpenAi backup;
    static TestNode node;
    static String key;
    static String team;
    static String credential;

    @BeforeAll
    static void start() {
        primary = new FakeOpenAi();
        backup = new FakeOpenAi();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "openai")),
                Map.of("keyway.ai.max-attempts", "2", "keyway.ai.backoff", "PT0.01S",
                        "keyway.ai.max-retry-after", "PT2S", "keyway.ai.breaker-failures", "3",
                        "keyway.ai.breaker-open-for", "PT60S"));
        new Seeds(node).user("u-dev", User.Role.USER);
        team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(), "id");
        String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"bot\"}").body(),
                "id");
        key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\"}").body(), "key");
        String service = field(node.admin("POST", "/admin/services", "{\"name\":\"llm\",\"teamId\":\"" + team
                + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\"m1\","
                + "\"m2\",\"m3\",\"m4\",\"m5\",\"m6\",\"m7\"],\"lifecycle\":\"published\"}]}").body(), "id");
        node.subscribe(app, service);
        credential = field(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"p\",\"provider\":\"openai\","
                + "\"secret\":\"" + SECRET + "\",\"teamId\":\"" + team + "\"}").body(), "id");
        // One model per test: breakers count per deployment, so tests must not share deployments.
        for (String m : List.of("m1", "m2", "m3", "m4", "m6", "m7")) {
            deploy(m, primary, 0);
            deploy(m, backup, 1);
        }
        deploy("m5", primary, 0);
    }

    static void deploy(String model, FakeOpenAi fake, int priority) {
        HttpResponse<String> r = node.admin("POST", "/admin/ai/deployments", "{\"model\":\"" + model
                + "\",\"provider\":\"openai\",\"baseUrl\":\"" + fake.baseUrl() + "\",\"credentialId\":\"" + credential
                + "\",\"priority\":" + priority + ",\"teamId\":\"" + team + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        node.close();
        primary.close();
        backup.close();
    }

    @BeforeEach
    void clear() {
        primary.received().clear();
        backup.received().clear();
    }

    static HttpResponse<String> chat(String model, boolean stream) {
        return node.send(HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build());
    }

    static String openAiError(String type, String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":null}}";
    }

    @Test
    void a429IsRetriedAfterItsRetryAfterThenServed() {
        primary.failNext(429, Map.of("Retry-After", "1"), openAiError("rate_limit_exceeded", "slow down"));
        long t0 = System.nanoTime();
        HttpResponse<String> r = chat("m1", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("waited for Retry-After").isGreaterThanOrEqualTo(900);
        assertThat(primary.received()).hasSize(2);
        assertThat(backup.received()).isEmpty();
    }

    @Test
    void repeated5xxFallsBackToTheNextDeployment() {
        primary.failNext(503, Map.of(), openAiError("server_error", "overloaded"))
                .failNext(500, Map.of(), openAiError("server_error", "boom"));
        HttpResponse<String> r = chat("m2", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(primary.received()).as("two attempts on the primary").hasSize(2);
        assertThat(backup.received()).hasSize(1);
        assertThat(r.headers().firstValue("x-keyway-deployment")).isPresent();
    }

    @Test
    void a400IsNeverRetriedNorFallenBackFrom() {
        primary.failNext(400, Map.of(), openAiError("invalid_request_error", "messages: too long"));
        HttpResponse<String> r = chat("m3", false);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("messages: too long");
        assertThat(primary.received()).hasSize(1);
        assertThat(backup.received()).isEmpty();
    }

    @Test
    void aRejectedUpstreamCredentialIsNotTheCallersFaultAndTheFallbackServes() {
        primary.failNext(401, Map.of(), openAiError("invalid_request_error", "Incorrect API key provided"));
        HttpResponse<String> r = chat("m4", false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(primary.received()).as("401 is not retried on the same deployment").hasSize(1);
        assertThat(backup.received()).hasSize(1);
    }

    @Test
    void theBreakerOpensAfterRepeatedFailuresAndCallsSkipTheDeployment() {
        for (int i = 0; i < 3; i++) {
            primary.failNext(500, Map.of(), openAiError("server_error", "down"));
        }
        HttpResponse<String> first = chat("m5", false);
        assertThat(first.statusCode()).isEqualTo(502);
        assertThat(first.body()).contains("upstream_error");
        HttpResponse<String> second = chat("m5", false);
        assertThat(second.statusCode()).isEqualTo(502);
        assertThat(primary.received()).as("the third failure opens the breaker: no fourth attempt").hasSize(3);

        HttpResponse<String> skipped = chat("m5", false);
        assertThat(skipped.statusCode()).isEqualTo(503);
        assertThat(skipped.body()).contains("circuit_open");
        assertThat(primary.received()).as("an open breaker sends nothing").hasSize(3);
    }

    @Test
    void aStreamIsNeverRetriedOnceItStarted() {
        HttpResponse<String> r = chat("m6", true);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("Hello", "[DONE]");
        assertThat(primary.received().size() + backup.received().size()).isEqualTo(1);
    }

    @Test
    void theCredentialIsNeverInAResponseALogOrTheStoreFiles() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            String list = node.admin("GET", "/admin/ai/credentials", null).body();
            String one = node.admin("GET", "/admin/ai/credentials/" + credential, null).body();
            assertThat(list + one).doesNotContain(SECRET).doesNotContain(SECRET.substring(3, 20)).contains("…");
            primary.failNext(401, Map.of(), openAiError("invalid_request_error", "bad key"));
            chat("m7", false);
            String audit = node.admin("GET", "/admin/audit?target=" + credential, null).body();
            assertThat(audit).doesNotContain(SECRET);
            assertThat(logs.text()).doesNotContain(SECRET);
        }
        assertThat(primary.received().getFirst().header("Authorization")).isEqualTo("Bearer " + SECRET);
        try (Stream<Path> files = Files.walk(tmp.resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(contains(f, SECRET)).as("%s holds the credential in clear", f).isFalse();
            }
        }
    }

    @Test
    void aProviderAnsweringGarbageIsA502NotA500() {
        primary.failNext(200, Map.of(), "this is not JSON");
        HttpResponse<String> r = chat("m3", false);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("upstream_error");
        primary.failNext(200, Map.of(), "data: {not json\n\n");
        HttpResponse<String> streamed = chat("m3", true);
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("\"error\"", "[DONE]");
    }

    @Test
    void settingsAndSecretsThatCouldRedirectOrBreakACallAreRefusedWhenSaved() {
        String base = "{\"model\":\"m1\",\"provider\":\"openai\",\"teamId\":\"" + team + "\",";
        HttpResponse<String> path = node.admin("POST", "/admin/ai/deployments", base + "\"baseUrl\":"
                + "\"http://example.com\",\"settings\":{\"chat-path\":\"@127.0.0.1:11434/api/generate\"}}");
        assertThat(path.statusCode()).isEqualTo(400);
        assertThat(path.body()).contains("settings.chat-path");
        HttpResponse<String> userInfo = node.admin("POST", "/admin/ai/deployments", base + "\"baseUrl\":"
                + "\"https://api.openai.com@127.0.0.1:9/v1\"}");
        assertThat(userInfo.statusCode()).isEqualTo(400);
        assertThat(userInfo.body()).contains("baseUrl");
        HttpResponse<String> secret = node.admin("POST", "/admin/ai/credentials", "{\"name\":\"x\",\"provider\":"
                + "\"openai\",\"secret\":\"sk-abc\\u200b\",\"teamId\":\"" + team + "\"}");
        assertThat(secret.statusCode()).isEqualTo(400);
        assertThat(secret.body()).contains("secret").doesNotContain("sk-abc");
    }

    private static boolean contains(Path file, String secret) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains(secret);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
