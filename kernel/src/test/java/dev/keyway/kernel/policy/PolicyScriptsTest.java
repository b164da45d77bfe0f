package dev.keyway.kernel.policy;

import dev.keyway.kernel.testing.AiSetup;
import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example policies in scripts/: every one compiles and decides through {@code POST /admin/policies/validate},
 * and the AI ones work end to end on {@code /v1/chat/completions} — a model rewrite, a prompt-length rule that
 * reads the body, a plan rule on models — against a fake OpenAI upstream that records what it was sent.
 */
class PolicyScriptsTest {
    @TempDir
    static Path tmp;
    static FakeOpenAi fake;
    static AiSetup ai;

    @BeforeAll
    static void start() {
        fake = new FakeOpenAi();
        ai = AiSetup.start(tmp, List.of("key-auth", "key-user", "subscription", "policy", "openai"),
                List.of("auto", "small-model", "large-model"), Map.of());
        for (String m : List.of("auto", "small-model", "large-model")) {
            ai.deploy(m, "upstream-" + m, "openai", fake.baseUrl(), null);
        }
    }

    @AfterAll
    static void stop() {
        ai.close();
        fake.close();
    }

    static String script(String name) {
        try {
            return Files.readString(TestNode.root().resolve("scripts").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String attach(String name, String script, Map<String, Object> config) {
        HttpResponse<String> r = ai.node().admin("POST", "/admin/policies", Json.write(Map.of("name", name,
                "teamId", ai.team(), "source", script(script), "config", config, "attachments",
                List.of(Map.of("scope", "team", "targetId", ai.team())))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static String chat(String model, String content) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.write(content)
                + "}]}";
    }

    @Test
    void everyScriptCompilesAndDecides() throws IOException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(TestNode.root().resolve("scripts"))) {
            scripts = files.filter(f -> f.toString().endsWith(".js")).sorted().toList();
        }
        assertThat(scripts).hasSizeGreaterThanOrEqualTo(5);
        for (Path s : scripts) {
            // One config with every example's settings.
            Map<String, Object> config = Map.of("from", "auto", "cheap", "small-model", "large", "large-model",
                    "maxChars", 200, "teams", List.of("t1"), "header", "x-debug", "largeModels", List.of("large-model"),
                    "goldApps", List.of("a1"));
            HttpResponse<String> r = ai.node().admin("POST", "/admin/policies/validate", Json.write(Map.of(
                    "source", Files.readString(s), "config", config, "samples", List.of(Map.of("method", "POST", "path",
                            "/v1/chat/completions", "body", Map.of("model", "auto", "messages", List.of()),
                            "context", Map.of("model", "auto", "teamId", "t1", "appId", "a1"))))));
            assertThat(r.statusCode()).as(s + ": " + r.body()).isEqualTo(200);
            assertThat(r.body()).as(s.toString()).contains("\"valid\":true").contains("\"decision\":")
                    .doesNotContain("\"error\"");
        }
    }

    @Test
    void theAiExamplesWorkEndToEnd() {
        String rewrite = attach("route-cheap-model", "route-cheap-model.js", Map.of("from", "auto", "cheap",
                "small-model", "large", "large-model"));
        HttpResponse<String> cheap = ai.chat(chat("auto", "hello"));
        assertThat(cheap.statusCode()).as(cheap.body()).isEqualTo(200);
        assertThat(cheap.headers().firstValue("x-routed-model")).hasValue("small-model");
        assertThat(fake.received().getLast().body()).containsEntry("model", "upstream-small-model");
        HttpResponse<String> large = ai.node().send(java.net.http.HttpRequest.newBuilder(ai.node()
                        .data("/v1/chat/completions")).header("Authorization", "Bearer " + ai.key())
                .header("x-quality", "high").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        chat("auto", "hello"))).build());
        assertThat(large.statusCode()).isEqualTo(200);
        assertThat(fake.received().getLast().body()).containsEntry("model", "upstream-large-model");

        // A rewrite to a model the service does not serve is the policy's fault, and nothing is called.
        ai.node().admin("PUT", "/admin/policies/" + rewrite, Json.write(Map.of("config", Map.of("from", "auto",
                "cheap", "not-offered", "large", "large-model"))));
        int before = fake.received().size();
        HttpResponse<String> bad = ai.chat(chat("auto", "hello"));
        assertThat(bad.statusCode()).isEqualTo(500);
        assertThat(bad.body()).contains("\"code\":\"policy_error\"", "not-offered");
        assertThat(fake.received()).hasSize(before);
        ai.node().admin("DELETE", "/admin/policies/" + rewrite, null);

        String length = attach("free-prompt-length", "free-prompt-length.js", Map.of("maxChars", 10));
        int calls = fake.received().size();
        HttpResponse<String> tooLong = ai.node().send(java.net.http.HttpRequest.newBuilder(ai.node()
                        .data("/v1/chat/completions")).header("Authorization", "Bearer " + ai.key())
                .header("x-plan", "free").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        chat("small-model", "this prompt is longer than ten characters"))).build());
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("\"error\":{", "\"code\":\"prompt_too_long\"");
        assertThat(fake.received()).as("nothing reached the provider").hasSize(calls);
        assertThat(ai.chat(chat("small-model", "this prompt is longer than ten characters")).statusCode())
                .as("paid callers are not limited").isEqualTo(200);
        ai.node().admin("DELETE", "/admin/policies/" + length, null);

        String gold = attach("gold-tier", "gold-tier-large-models.js", Map.of("largeModels", List.of("large-model"),
                "goldApps", List.of(), "fromHour", 0));
        HttpResponse<String> notGold = ai.chat(chat("large-model", "hi"));
        assertThat(notGold.statusCode()).isEqualTo(403);
        assertThat(notGold.body()).contains("model_not_in_plan", "gold-tier apps only");
        assertThat(ai.chat(chat("small-model", "hi")).statusCode()).isEqualTo(200);
        // A later policy sees the model an earlier one rewrote to: routing to the large model cannot slip past the
        // plan rule.
        String route = attach("route-again", "route-cheap-model.js", Map.of("from", "auto", "cheap", "small-model",
                "large", "large-model"));
        ai.node().admin("PUT", "/admin/policies/" + route, "{\"priority\":10}");
        HttpResponse<String> sneaky = ai.node().send(java.net.http.HttpRequest.newBuilder(ai.node()
                        .data("/v1/chat/completions")).header("Authorization", "Bearer " + ai.key())
                .header("x-quality", "high").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        chat("auto", "hello"))).build());
        assertThat(sneaky.statusCode()).as(sneaky.body()).isEqualTo(403);
        assertThat(sneaky.body()).contains("model_not_in_plan");
        ai.node().admin("DELETE", "/admin/policies/" + route, null);
        ai.node().admin("DELETE", "/admin/policies/" + gold, null);
    }
}
