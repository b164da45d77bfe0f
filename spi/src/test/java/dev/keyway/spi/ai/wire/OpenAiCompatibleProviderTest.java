package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.Deployment;
import dev.keyway.spi.ai.UpstreamRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What differs between OpenAI-compatible providers is data: auth header, api-version, paths. */
class OpenAiCompatibleProviderTest {
    static final OpenAiCompatibleProvider PROVIDER = new OpenAiCompatibleProvider("openai-compatible") {
    };

    static ChatRequest request(boolean stream) {
        return new ChatRequest("m", List.of(ChatMessage.text(ChatMessage.Role.USER, "Hi")), null, null, null, null,
                null, null, null, null, null, null, stream, null, false);
    }

    @Test
    void byDefaultTheCredentialIsABearerTokenAndThePathIsChatCompletions() {
        UpstreamRequest r = PROVIDER.chat(request(true), new Deployment("d", "openai-compatible",
                "http://vllm.internal:8000/v1/", "llama", "tok-123", Map.of()));
        assertThat(r.uri()).hasToString("http://vllm.internal:8000/v1/chat/completions");
        assertThat(r.headers()).containsEntry("Authorization", "Bearer tok-123")
                .containsEntry("Accept", "text/event-stream");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"model\":\"m\"", "\"stream\":true")
                .doesNotContain("tok-123");
        assertThat(r.toString()).doesNotContain("tok-123");
    }

    @Test
    void azureStyleSettingsChangeTheHeaderAndAddTheApiVersion() {
        UpstreamRequest r = PROVIDER.chat(request(false), new Deployment("d", "openai-compatible",
                "https://res.openai.azure.com/openai/deployments/gpt4o", "gpt-4o", "az-key",
                Map.of("auth-header", "api-key", "api-version", "2024-10-21")));
        assertThat(r.uri()).hasToString("https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions"
                + "?api-version=2024-10-21");
        assertThat(r.headers()).containsEntry("api-key", "az-key").doesNotContainKey("Authorization");
    }

    @Test
    void noCredentialMeansNoAuthHeader() {
        UpstreamRequest r = PROVIDER.chat(request(false), new Deployment("d", "openai-compatible",
                "http://127.0.0.1:11434/v1", "llama3.1:8b", null, Map.of("chat-path", "/chat/completions")));
        assertThat(r.headers()).doesNotContainKey("Authorization");
    }
}
