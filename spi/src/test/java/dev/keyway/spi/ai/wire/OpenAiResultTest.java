package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class OpenAiResultTest {

    @Test
    void readsAnOpenAiAnswer() {
        ChatResult r = OpenAiWire.decodeResult(Json.parseObject("""
                {"id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion", "created": 1741570283,
                 "model": "gpt-4o-2024-08-06",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "Bonjour ! 👋",
                   "refusal": null, "annotations": []}, "logprobs": null, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
                   "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0}},
                 "service_tier": "default", "system_fingerprint": "fp_fc9f1d7035"}"""));
        assertThat(r).isEqualTo(new ChatResult("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "gpt-4o-2024-08-06",
                1741570283L, "Bonjour ! 👋", List.of(), FinishReason.STOP, new Usage(1117L, 46L)));
    }

    @Test
    void readsAToolOnlyAnswerWithNullContent() {
        ChatResult r = OpenAiWire.decodeResult(Json.parseObject("""
                {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                   {"id": "call_abc", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\\"location\\":\\"Boston, MA\\"}"}},
                   {"id": "call_def", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
                   "finish_reason": "tool_calls"}],
                 "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}}"""));
        assertThat(r.text()).isNull();
        assertThat(r.toolCalls()).containsExactly(
                new ToolCall("call_abc", "get_weather", "{\"location\":\"Boston, MA\"}"),
                new ToolCall("call_def", "get_time", "{}"));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    }

    @Test
    void readsARefusalAsTextAndToleratesMissingUsage() {
        ChatResult r = OpenAiWire.decodeResult(Json.parseObject("""
                {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
                  "refusal": "I can't help with that."}, "finish_reason": "stop"}]}"""));
        assertThat(r.text()).isEqualTo("I can't help with that.");
        assertThat(r.usage()).isEqualTo(Usage.NONE);
    }

    @Test
    void roundTripsATextAnswerAndAToolAnswer() {
        ChatResult text = new ChatResult("chatcmpl-9", "gpt-4o", 1_700_000_000L, "Line one\nline \"two\" \u2028 ✓",
                List.of(), FinishReason.LENGTH, new Usage(10L, 20L));
        ChatResult tools = new ChatResult("chatcmpl-10", "gpt-4o", 1_700_000_001L, null,
                List.of(new ToolCall("call_1", "search", "{\"q\":\"zürich\"}")), FinishReason.TOOL_CALLS,
                new Usage(5L, 6L));
        for (ChatResult x : List.of(text, tools)) {
            assertThat(OpenAiWire.decodeResult(Json.parseObject(Json.write(OpenAiWire.encodeResult(x, null)))))
                    .isEqualTo(x);
        }
    }

    @Test
    void writesTheShapeOpenAiClientsRead() {
        ChatResult r = new ChatResult("chatcmpl-7", "gpt-4o-2024-08-06", 1_700_000_000L, null,
                List.of(new ToolCall("call_1", "f", "{}")), FinishReason.TOOL_CALLS, new Usage(3L, 4L));
        assertThat(Json.write(OpenAiWire.encodeResult(r, "my-alias"))).isEqualTo("""
                {"id":"chatcmpl-7","object":"chat.completion","created":1700000000,"model":"my-alias",\
                "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",\
                "type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],\
                "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}""");
    }

    @Test
    void writesUnknownUsageAsZeroAndAMissingFinishReasonAsStop() {
        Map<String, Object> body = OpenAiWire.encodeResult(
                new ChatResult("id", "m", 0, "hi", null, null, new Usage(9L, null)), null);
        assertThat(Json.write(body)).contains("\"finish_reason\":\"stop\"")
                .contains("\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":0,\"total_tokens\":9}");
    }

    @Test
    void mapsFinishReasonsBothWaysAndUnknownOnesToStop() {
        for (FinishReason reason : FinishReason.values()) {
            assertThat(OpenAiWire.finishReason(OpenAiWire.finishName(reason))).isEqualTo(reason);
        }
        assertThat(OpenAiWire.finishName(FinishReason.CONTENT_FILTER)).isEqualTo("content_filter");
        assertThat(OpenAiWire.finishReason("function_call")).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(OpenAiWire.finishReason("end_turn")).isEqualTo(FinishReason.STOP);
        assertThat(OpenAiWire.finishReason(null)).isNull();
    }

    @Test
    void refusesAnAnswerWithoutChoicesAsAnUpstreamFault() {
        assertThatThrownBy(() -> OpenAiWire.decodeResult(Json.parseObject("{\"id\": \"x\", \"choices\": []}")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> OpenAiWire.decodeResult(Json.parseObject("{\"id\": \"x\", \"choices\": 3}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("choices");
    }

    // ---------------------------------------------------------------- embeddings

    @Test
    void readsAnEmbeddingsRequestWithOneOrManyInputs() {
        assertThat(OpenAiWire.decodeEmbeddingsRequest(Json.parseObject("""
                {"model": "text-embedding-3-small", "input": "hello", "encoding_format": "float",
                 "dimensions": 256, "user": "u"}""")))
                .isEqualTo(new EmbeddingRequest("text-embedding-3-small", List.of("hello"), 256, "u"));
        assertThat(OpenAiWire.decodeEmbeddingsRequest(Json.parseObject("""
                {"model": "e", "input": ["a", "b"]}""")))
                .isEqualTo(new EmbeddingRequest("e", List.of("a", "b"), null, null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "model              | {\"input\": \"x\"}",
            "input              | {\"model\": \"e\"}",
            "input              | {\"model\": \"e\", \"input\": []}",
            "input              | {\"model\": \"e\", \"input\": 5}",
            "input[1]           | {\"model\": \"e\", \"input\": [\"a\", [1, 2, 3]]}",
            "encoding_format    | {\"model\": \"e\", \"input\": \"x\", \"encoding_format\": \"base64\"}",
            "dimensions         | {\"model\": \"e\", \"input\": \"x\", \"dimensions\": 0}",
            "user               | {\"model\": \"e\", \"input\": \"x\", \"user\": 1}",
            "input_type         | {\"model\": \"e\", \"input\": \"x\", \"input_type\": \"query\"}"})
    void refusesAnInvalidEmbeddingsParameterNamingIt(String param, String body) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> OpenAiWire.decodeEmbeddingsRequest(Json.parseObject(body)));
        assertThat(e).isNotNull();
        assertThat(e.param()).isEqualTo(param);
    }

    @Test
    void refusesMoreThan2048Inputs() {
        Map<String, Object> body = Map.of("model", "e", "input", java.util.Collections.nCopies(2049, "x"));
        assertThatThrownBy(() -> OpenAiWire.decodeEmbeddingsRequest(body)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void writesAnEmbeddingsRequest() {
        assertThat(Json.write(OpenAiWire.encodeEmbeddingsRequest(new EmbeddingRequest("e", List.of("a"), 64, null))))
                .isEqualTo("{\"model\":\"e\",\"input\":[\"a\"],\"dimensions\":64}");
    }

    @Test
    void readsEmbeddingsInIndexOrderFromFloatsOrBase64() {
        String base64 = Base64.getEncoder().encodeToString(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(0.5f).putFloat(-2f).array());
        EmbeddingResult r = OpenAiWire.decodeEmbeddingsResult(Json.parseObject("""
                {"object": "list", "data": [
                  {"object": "embedding", "index": 1, "embedding": "%s"},
                  {"object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292, 1]}],
                 "model": "text-embedding-3-small", "usage": {"prompt_tokens": 8, "total_tokens": 8}}"""
                .formatted(base64)));
        assertThat(r.model()).isEqualTo("text-embedding-3-small");
        assertThat(r.vectors()).hasSize(2);
        assertThat(r.vectors().get(0)).containsExactly(0.0023064255, -0.009327292, 1.0);
        assertThat(r.vectors().get(1)).containsExactly(0.5, -2.0);
        assertThat(r.usage()).isEqualTo(new Usage(8L, null));
    }

    @Test
    void refusesAnEmbeddingsAnswerWithADuplicateIndex() {
        assertThatThrownBy(() -> OpenAiWire.decodeEmbeddingsResult(Json.parseObject("""
                {"data": [{"index": 0, "embedding": [1]}, {"index": 0, "embedding": [2]}]}""")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void writesEmbeddingsAndReadsThemBack() {
        EmbeddingResult x = new EmbeddingResult("e", List.of(new double[] {0.25, -1e-5}, new double[] {3}),
                new Usage(4L, null));
        Map<String, Object> body = OpenAiWire.encodeEmbeddingsResult(x, "alias");
        assertThat(Json.write(body)).startsWith("{\"object\":\"list\",\"data\":[")
                .endsWith("\"model\":\"alias\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}");
        EmbeddingResult back = OpenAiWire.decodeEmbeddingsResult(Json.parseObject(Json.write(body)));
        assertThat(back.model()).isEqualTo("alias");
        assertThat(back.vectors().get(0)).containsExactly(0.25, -1e-5);
        assertThat(back.vectors().get(1)).containsExactly(3.0);
        assertThat(back.usage()).isEqualTo(x.usage());
    }
}
