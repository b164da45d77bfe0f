package dev.keyway.plugins.ollama;

import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OllamaAnswerTest {
    private final Ollama ollama = new Ollama();

    @Test
    void readsTextUsageAndCreationTime() {
        ChatResult r = ollama.chatResult(bytes("""
                {"model":"llama3.2","created_at":"2023-12-12T14:13:43.416799Z","message":{"role":"assistant",
                "content":"Grüße! How are you today?"},"done_reason":"stop","done":true,"total_duration":5191566416,
                "load_duration":2154458,"prompt_eval_count":26,"prompt_eval_duration":383809000,"eval_count":298,
                "eval_duration":4799921000}
                """));

        assertThat(r.id()).startsWith("ollama-");
        assertThat(r.model()).isEqualTo("llama3.2");
        assertThat(r.created()).isEqualTo(Instant.parse("2023-12-12T14:13:43Z").getEpochSecond());
        assertThat(r.text()).isEqualTo("Grüße! How are you today?");
        assertThat(r.toolCalls()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.usage()).isEqualTo(new Usage(26L, 298L));
    }

    @Test
    void readsToolCallsWithTheirArgumentsWrittenOut() {
        ChatResult r = ollama.chatResult(bytes("""
                {"model":"llama3.2","created_at":"2024-07-22T20:33:28.123648-07:00","message":{"role":"assistant",
                "content":"","tool_calls":[{"function":{"name":"get_current_weather","arguments":{"format":"celsius",
                "location":"Paris, FR"}}},{"id":"call_x9","function":{"index":1,"name":"get_time","arguments":{}}}]},
                "done_reason":"stop","done":true,"prompt_eval_count":122,"eval_count":33}
                """));

        assertThat(r.text()).isNull();
        assertThat(r.toolCalls()).containsExactly(
                new ToolCall("call_0", "get_current_weather", "{\"format\":\"celsius\",\"location\":\"Paris, FR\"}"),
                new ToolCall("call_x9", "get_time", "{}"));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.created()).isEqualTo(Instant.parse("2024-07-23T03:33:28Z").getEpochSecond());
    }

    @ParameterizedTest
    @CsvSource({"stop,STOP", "length,LENGTH", "unload,STOP"})
    void mapsDoneReasons(String doneReason, FinishReason expected) {
        ChatResult r = ollama.chatResult(bytes("{\"model\":\"m\",\"message\":{\"role\":\"assistant\","
                + "\"content\":\"x\"},\"done\":true,\"done_reason\":\"" + doneReason + "\"}"));

        assertThat(r.finishReason()).isEqualTo(expected);
    }

    @Test
    void leavesUnreportedCountsUnknown() {
        ChatResult r = ollama.chatResult(bytes("""
                {"model":"m","created_at":"not a time","message":{"role":"assistant","content":"x"},"done":true,
                "eval_count":3}
                """));

        assertThat(r.usage()).isEqualTo(new Usage(null, 3L));
        assertThat(r.finishReason()).isNull();
        assertThat(r.created()).isPositive();
    }

    @Test
    void failsOnAnAnswerThatIsNotAChatResponse() {
        assertThatThrownBy(() -> ollama.chatResult(bytes("<html>oops</html>")))
                .isInstanceOf(IllegalStateException.class).hasMessageNotContaining("oops");
        assertThatThrownBy(() -> ollama.chatResult(bytes("{\"model\":\"m\",\"done\":true}")))
                .isInstanceOf(IllegalStateException.class).hasMessage("ollama answer has no message");
    }

    @ParameterizedTest
    @CsvSource({"400,false", "404,false", "429,true", "500,true", "501,false", "502,true", "503,true"})
    void retriesOnlyWhatAnotherAttemptMayFix(int status, boolean retryable) {
        UpstreamError e = ollama.error(status, Map.of(), bytes("{\"error\":\"model \\\"llama9\\\" not found, "
                + "try pulling it first\"}"));

        assertThat(e).isEqualTo(new UpstreamError(status, null, "model \"llama9\" not found, try pulling it first",
                retryable, -1));
    }

    @Test
    void honoursRetryAfterAndHidesBodiesThatAreNotJson() {
        UpstreamError busy = ollama.error(503, Map.of("retry-after", List.of("2.5")), bytes("{\"error\":\"server "
                + "busy, please try again.  maximum pending requests exceeded\"}"));
        UpstreamError html = ollama.error(502, Map.of(), bytes("<html>Bad Gateway token=abc</html>"));

        assertThat(busy.retryAfterMillis()).isEqualTo(2500);
        assertThat(busy.retryable()).isTrue();
        assertThat(html.message()).isEqualTo("ollama answered HTTP 502 without an error message");
        assertThat(OllamaAnswers.retryAfterMillis("Wed, 21 Oct 2026 07:28:10 GMT",
                Instant.parse("2026-10-21T07:28:00Z").toEpochMilli())).isEqualTo(10_000);
    }

    @Test
    void readsEmbeddingsInOrderWithInputTokens() {
        EmbeddingResult r = ollama.embeddingsResult(bytes("""
                {"model":"all-minilm","embeddings":[[0.010071029,-0.0017594862,0.05007221],
                [-0.0098027075,0.06042469,1]],"total_duration":14143917,"load_duration":1019500,
                "prompt_eval_count":8}
                """));

        assertThat(r.model()).isEqualTo("all-minilm");
        assertThat(r.vectors()).hasSize(2);
        assertThat(r.vectors().get(0)).containsExactly(0.010071029, -0.0017594862, 0.05007221);
        assertThat(r.vectors().get(1)).containsExactly(-0.0098027075, 0.06042469, 1.0);
        assertThat(r.usage()).isEqualTo(new Usage(8L, null));
        assertThatThrownBy(() -> ollama.embeddingsResult(bytes("{\"embedding\":[1,2]}")))
                .isInstanceOf(IllegalStateException.class);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
