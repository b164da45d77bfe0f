package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static dev.keyway.spi.ai.wire.AnthropicRequestEncodeTest.normalized;
import static org.assertj.core.api.Assertions.assertThat;

class AnthropicResultTest {

    @Test
    void decodesTextToolCallsStopReasonAndUsage() {
        ChatResult r = AnthropicWire.decodeResult(Json.parseObject("""
                {"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"thinking","thinking":"hmm","signature":"s"},
                   {"type":"text","text":"Let me check "},{"type":"text","text":"the weather."},
                   {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Zürich","days":2}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":25,"cache_read_input_tokens":0,"output_tokens":89}}
                """));
        assertThat(r.id()).isEqualTo("msg_01XYZ");
        assertThat(r.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(r.created()).isPositive();
        assertThat(r.text()).isEqualTo("Let me check the weather.");
        assertThat(r.toolCalls()).containsExactly(
                new ToolCall("toolu_01", "get_weather", "{\"city\":\"Zürich\",\"days\":2}"));
        assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(r.usage()).isEqualTo(new Usage(25L, 89L));
    }

    @Test
    void leavesTextNullWhenTheAnswerOnlyCallsTools() {
        ChatResult r = AnthropicWire.decodeResult(Json.parseObject("""
                {"id":"msg_1","model":"m","content":[{"type":"tool_use","id":"t","name":"f","input":{}}],
                 "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}
                """));
        assertThat(r.text()).isNull();
        assertThat(r.toolCalls()).containsExactly(new ToolCall("t", "f", "{}"));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "end_turn, STOP", "stop_sequence, STOP", "max_tokens, LENGTH", "tool_use, TOOL_CALLS",
            "refusal, CONTENT_FILTER", "null, null"})
    void mapsStopReasons(String stopReason, FinishReason reason) {
        Map<String, Object> body = Json.parseObject("{\"id\":\"msg_1\",\"model\":\"m\",\"content\":[]}");
        body.put("stop_reason", stopReason);
        assertThat(AnthropicWire.decodeResult(body).finishReason()).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "STOP, end_turn", "LENGTH, max_tokens", "TOOL_CALLS, tool_use", "CONTENT_FILTER, refusal", "null, null"})
    void writesStopReasons(FinishReason reason, String stopReason) {
        ChatResult r = new ChatResult("msg_1", "m", 0, "hi", null, reason, null);
        assertThat(AnthropicWire.encodeResult(r, "m")).containsEntry("stop_reason", stopReason);
    }

    @Test
    void encodesTheMessageShapeSdksExpect() {
        ChatResult r = new ChatResult("msg_abc", "gpt-4o", 1_700_000_000L, "Calling.",
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Bern\"}"),
                        new ToolCall(null, "get_time", "{}")),
                FinishReason.TOOL_CALLS, new Usage(25L, 89L));
        Map<String, Object> body = AnthropicWire.encodeResult(r, "claude-alias");
        @SuppressWarnings("unchecked")
        Map<String, Object> generated = (Map<String, Object>) ((List<Object>) body.get("content")).get(2);
        assertThat((String) generated.get("id")).startsWith("toolu_").hasSizeGreaterThan(10);
        assertThat(Json.write(body)).isEqualTo("""
                {"id":"msg_abc","type":"message","role":"assistant","model":"claude-alias","content":[\
                {"type":"text","text":"Calling."},\
                {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Bern"}},\
                {"type":"tool_use","id":"%s","name":"get_time","input":{}}],\
                "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":89}}"""
                .formatted(generated.get("id")));
    }

    @Test
    void prefixesForeignIdsAndFillsUnknownUsageWithZero() {
        Map<String, Object> foreign = AnthropicWire.encodeResult(
                new ChatResult("chatcmpl-9", "gpt-4o", 0, "", null, null, null), null);
        assertThat(foreign).containsEntry("id", "msg_chatcmpl-9").containsEntry("model", "gpt-4o")
                .containsEntry("content", List.of());
        assertThat(normalized(foreign.get("usage"))).isEqualTo(Map.of("input_tokens", 0L, "output_tokens", 0L));
        Map<String, Object> anonymous = AnthropicWire.encodeResult(new ChatResult("", "m", 0, "x", null, null, null),
                "m");
        assertThat((String) anonymous.get("id")).startsWith("msg_").hasSizeGreaterThan(10);
    }

    @Test
    void writesArgumentsCutShortAsAnEmptyInput() {
        Map<String, Object> body = AnthropicWire.encodeResult(new ChatResult("msg_1", "m", 0, null,
                List.of(new ToolCall("t", "f", "{\"city\":\"Be")), FinishReason.LENGTH, null), "m");
        assertThat(normalized(body.get("content"))).isEqualTo(Json.parse("""
                [{"type":"tool_use","id":"t","name":"f","input":{}}]"""));
    }

    @Test
    void readsBackWhatItWrites() {
        ChatResult r = new ChatResult("msg_1", "claude", 0, "Sunny in Zürich.",
                List.of(new ToolCall("toolu_1", "log", "{\"level\":\"info\",\"tags\":[\"a\",\"b\"]}")),
                FinishReason.TOOL_CALLS, new Usage(3L, 4L));
        ChatResult back = AnthropicWire.decodeResult(Json.parseObject(Json.write(AnthropicWire.encodeResult(r, "claude"))));
        assertThat(back.id()).isEqualTo(r.id());
        assertThat(back.model()).isEqualTo(r.model());
        assertThat(back.text()).isEqualTo(r.text());
        assertThat(back.toolCalls()).isEqualTo(r.toolCalls());
        assertThat(back.finishReason()).isEqualTo(r.finishReason());
        assertThat(back.usage()).isEqualTo(r.usage());
    }
}
