package dev.keyway.plugins.gemini;

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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeminiAnswerTest {
    private final Gemini gemini = new Gemini();

    @Test
    void readsTextSkippingThoughtSummariesWithUsageCountingThinkingAsOutput() {
        ChatResult r = gemini.chatResult(bytes("""
                {"candidates":[{"content":{"parts":[{"text":"Let me think…","thought":true},{"text":"Grüße, "},
                {"text":"Ada!"}],"role":"model"},"finishReason":"STOP","index":0}],
                "usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":5,"totalTokenCount":40,
                "thoughtsTokenCount":23},"modelVersion":"gemini-2.5-flash","responseId":"mT4aabc"}
                """));

        assertThat(r.id()).isEqualTo("mT4aabc");
        assertThat(r.model()).isEqualTo("gemini-2.5-flash");
        assertThat(r.text()).isEqualTo("Grüße, Ada!");
        assertThat(r.toolCalls()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.usage()).isEqualTo(new Usage(12L, 28L));
        assertThat(r.created()).isPositive();
    }

    @Test
    void readsFunctionCallsAsToolCallsWithGeneratedIds() {
        ChatResult r = gemini.chatResult(bytes("""
                {"candidates":[{"content":{"parts":[
                {"functionCall":{"name":"get_weather","args":{"city":"Zürich","unit":"°C"}},"thoughtSignature":"CiQB"},
                {"functionCall":{"name":"get_time"}},
                {"functionCall":{"id":"fc-7","name":"get_news","args":{"topic":"ai"}}}],"role":"model"},
                "finishReason":"STOP","index":0}],
                "usageMetadata":{"promptTokenCount":80,"candidatesTokenCount":31,"totalTokenCount":111},
                "modelVersion":"gemini-2.5-pro","responseId":"r-1"}
                """));

        assertThat(r.text()).isNull();
        assertThat(r.toolCalls()).containsExactly(
                new ToolCall("call_0", "get_weather", "{\"city\":\"Zürich\",\"unit\":\"°C\"}"),
                new ToolCall("call_1", "get_time", "{}"),
                new ToolCall("fc-7", "get_news", "{\"topic\":\"ai\"}"));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.usage()).isEqualTo(new Usage(80L, 31L));
    }

    @ParameterizedTest
    @CsvSource({"STOP,STOP", "MAX_TOKENS,LENGTH", "SAFETY,CONTENT_FILTER", "RECITATION,CONTENT_FILTER",
            "BLOCKLIST,CONTENT_FILTER", "PROHIBITED_CONTENT,CONTENT_FILTER", "SPII,CONTENT_FILTER",
            "MALFORMED_FUNCTION_CALL,STOP", "OTHER,STOP"})
    void mapsFinishReasons(String gemini, FinishReason expected) {
        ChatResult r = this.gemini.chatResult(bytes("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}],"
                + "\"role\":\"model\"},\"finishReason\":\"" + gemini + "\"}],\"responseId\":\"r\"}"));

        assertThat(r.finishReason()).isEqualTo(expected);
    }

    @Test
    void keepsALengthStopWhenTheCallWasCutShort() {
        ChatResult r = gemini.chatResult(bytes("""
                {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}],"role":"model"},
                "finishReason":"MAX_TOKENS"}]}
                """));

        assertThat(r.id()).isEmpty();
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void readsABlockedPromptAsAContentFilterStop() {
        ChatResult r = gemini.chatResult(bytes("""
                {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},
                "usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash"}
                """));

        assertThat(r.text()).isNull();
        assertThat(r.finishReason()).isEqualTo(FinishReason.CONTENT_FILTER);
        assertThat(r.usage()).isEqualTo(new Usage(9L, null));
    }

    @Test
    void failsOnAnAnswerThatIsNotAResponse() {
        assertThatThrownBy(() -> gemini.chatResult(bytes("<html>502</html>")))
                .isInstanceOf(IllegalStateException.class).hasMessageNotContaining("html");
        assertThatThrownBy(() -> gemini.chatResult(bytes("{\"candidates\":{\"x\":1}}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("candidates");
    }

    @Test
    void readsRateLimitsAsRetryableHonouringRetryAfter() {
        String body = """
                {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).",
                "status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay":"34s"}]}}
                """;

        UpstreamError withHeader = gemini.error(429, Map.of("Retry-After", List.of("7")), bytes(body));
        assertThat(withHeader).isEqualTo(new UpstreamError(429, "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).", true, 7000));
        assertThat(gemini.error(429, Map.of(), bytes(body)).retryAfterMillis())
                .as("the body's RetryInfo when no header").isEqualTo(34_000);
        assertThat(GeminiAnswers.decodeError(429, Map.of("retry-after", List.of("Wed, 21 Oct 2026 07:28:10 GMT")),
                bytes(body), java.time.Instant.parse("2026-10-21T07:28:00Z").toEpochMilli()).retryAfterMillis())
                .isEqualTo(10_000);
    }

    @ParameterizedTest
    @CsvSource({"400,INVALID_ARGUMENT,false", "401,UNAUTHENTICATED,false", "403,PERMISSION_DENIED,false",
            "404,NOT_FOUND,false", "500,INTERNAL,true", "502,,true", "503,UNAVAILABLE,true",
            "504,DEADLINE_EXCEEDED,true"})
    void retriesOnlyWhatAnotherAttemptMayFix(int status, String type, boolean retryable) {
        String body = "{\"error\":{\"code\":" + status + ",\"message\":\"m\""
                + (type == null ? "" : ",\"status\":\"" + type + "\"") + "}}";

        UpstreamError e = gemini.error(status, Map.of(), bytes(body));

        assertThat(e.status()).isEqualTo(status);
        assertThat(e.type()).isEqualTo(type);
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e.retryAfterMillis()).isEqualTo(-1);
    }

    @Test
    void readsARejectedApiKeyAsTheDeploymentsAuthenticationFailure() {
        UpstreamError e = gemini.error(400, Map.of(), bytes("""
                {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
                "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",
                "reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}
                """));
        UpstreamError badRequest = gemini.error(400, Map.of(), bytes("""
                {"error":{"code":400,"message":"* GenerateContentRequest.contents: contents is not specified",
                "status":"INVALID_ARGUMENT"}}
                """));

        assertThat(e).isEqualTo(new UpstreamError(401, "API_KEY_INVALID",
                "API key not valid. Please pass a valid API key.", false, -1));
        assertThat(badRequest.status()).isEqualTo(400);
        assertThat(badRequest.type()).isEqualTo("INVALID_ARGUMENT");
    }

    @Test
    void readsErrorsWrappedInAnArrayAndBodiesThatAreNotJson() {
        UpstreamError wrapped = gemini.error(503, Map.of(), bytes("""
                [{"error":{"code":503,"message":"The model is overloaded. Please try again later.",
                "status":"UNAVAILABLE"}}]
                """));
        UpstreamError html = gemini.error(502, Map.of(), bytes("<html><body>Bad Gateway secret=x</body></html>"));

        assertThat(wrapped.message()).isEqualTo("The model is overloaded. Please try again later.");
        assertThat(wrapped.retryable()).isTrue();
        assertThat(html).isEqualTo(new UpstreamError(502, null, "gemini answered HTTP 502 without an error message",
                true, -1));
    }

    @Test
    void readsEmbeddingsInOrderWithUnknownUsage() {
        EmbeddingResult r = gemini.embeddingsResult(bytes("""
                {"embeddings":[{"values":[0.013, -0.008, 1]},{"values":[-0.5, 0.25, 2e-3]}]}
                """));

        assertThat(r.vectors()).hasSize(2);
        assertThat(r.vectors().get(0)).containsExactly(0.013, -0.008, 1.0);
        assertThat(r.vectors().get(1)).containsExactly(-0.5, 0.25, 0.002);
        assertThat(r.usage()).isEqualTo(Usage.NONE);
        assertThatThrownBy(() -> gemini.embeddingsResult(bytes("{\"embedding\":{\"values\":[1]}}")))
                .isInstanceOf(IllegalStateException.class);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
