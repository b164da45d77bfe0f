package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.ToolChoice;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class AnthropicRequestDecodeTest {

    @Test
    void decodesEveryFieldIntoTheNeutralRequest() {
        ChatRequest r = AnthropicWire.decodeRequest(Json.parseObject("""
                {"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Be brief.",
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"What is here?"},
                     {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                     {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]},
                   {"role":"assistant","content":[{"type":"text","text":"Let me look."},
                     {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Zürich","days":2}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}],
                 "temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["END"],"stream":true,
                 "tools":[{"name":"get_weather","description":"Weather by city",
                           "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
                 "tool_choice":{"type":"auto"},"metadata":{"user_id":"u-42"},
                 "service_tier":"auto","thinking":{"type":"enabled","budget_tokens":2048}}
                """), false);

        assertThat(r.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(r.maxTokens()).isEqualTo(1024);
        assertThat(r.messages()).containsExactly(
                ChatMessage.text(Role.SYSTEM, "Be brief."),
                new ChatMessage(Role.USER, List.of(new ContentPart.Text("What is here?"),
                        new ContentPart.Image(null, "image/png", "iVBORw0KGgo=", null),
                        new ContentPart.Image("https://example.com/cat.jpg", null, null, null)), null, null, null, false),
                new ChatMessage(Role.ASSISTANT, List.of(new ContentPart.Text("Let me look.")),
                        List.of(new ToolCall("toolu_1", "get_weather", "{\"city\":\"Zürich\",\"days\":2}")), null, null,
                        false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("sunny")), null, "toolu_1", null, false));
        assertThat(r.temperature()).isEqualTo(0.5);
        assertThat(r.topP()).isEqualTo(0.9);
        assertThat(r.topK()).isEqualTo(40);
        assertThat(r.stop()).containsExactly("END");
        assertThat(r.stream()).isTrue();
        assertThat(r.tools()).containsExactly(new Tool("get_weather", "Weather by city",
                Json.parseObject("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}")));
        assertThat(r.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.AUTO, null));
        assertThat(r.user()).isEqualTo("u-42");
        assertThat(r.seed()).isNull();
        assertThat(r.responseFormat()).isNull();
        assertThat(r.extra()).containsOnlyKeys("service_tier", "thinking")
                .containsEntry("service_tier", "auto");
        assertThat(r.dropUnsupported()).isFalse();
    }

    @Test
    void foldsSystemTextBlocksIntoOneSystemMessageFirst() {
        ChatRequest r = decode("""
                {"model":"m","max_tokens":10,
                 "system":[{"type":"text","text":"One."},{"type":"text","text":"Two.","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":"Hi"}]}
                """);
        assertThat(r.messages()).containsExactly(
                new ChatMessage(Role.SYSTEM, List.of(new ContentPart.Text("One."), new ContentPart.Text("Two.")), null,
                        null, null, false),
                ChatMessage.text(Role.USER, "Hi"));
    }

    @Test
    void splitsAUserTurnIntoOneToolMessagePerResultThenTheRemainingBlocks() {
        ChatRequest r = decode("""
                {"model":"m","max_tokens":10,"messages":[
                  {"role":"assistant","content":[
                    {"type":"tool_use","id":"toolu_a","name":"f","input":{}},
                    {"type":"tool_use","id":"toolu_b","name":"g"}]},
                  {"role":"user","content":[
                    {"type":"text","text":"before"},
                    {"type":"tool_result","tool_use_id":"toolu_a","content":[{"type":"text","text":"4"},{"type":"text","text":"2"}]},
                    {"type":"tool_result","tool_use_id":"toolu_b","content":"boom","is_error":true},
                    {"type":"text","text":"after"}]}]}
                """);
        assertThat(r.messages()).containsExactly(
                new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("toolu_a", "f", "{}"),
                        new ToolCall("toolu_b", "g", "{}")), null, null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("4"), new ContentPart.Text("2")), null,
                        "toolu_a", null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("boom")), null, "toolu_b", null, true),
                new ChatMessage(Role.USER, List.of(new ContentPart.Text("before"), new ContentPart.Text("after")), null,
                        null, null, false));
    }

    @Test
    void keepsAToolResultWithoutContentAndWithAnImage() {
        ChatRequest r = decode("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"toolu_a"},
                  {"type":"tool_result","tool_use_id":"toolu_b","content":[
                    {"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lG"}}]}]}]}
                """);
        assertThat(r.messages()).containsExactly(
                new ChatMessage(Role.TOOL, List.of(), null, "toolu_a", null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Image(null, "image/gif", "R0lG", null)), null,
                        "toolu_b", null, false));
    }

    @ParameterizedTest
    @CsvSource({
            "'{\"type\":\"auto\"}', AUTO, ",
            "'{\"type\":\"any\"}', REQUIRED, ",
            "'{\"type\":\"none\"}', NONE, ",
            "'{\"type\":\"tool\",\"name\":\"get_weather\"}', TOOL, get_weather"})
    void mapsToolChoice(String wire, ToolChoice.Mode mode, String name) {
        ChatRequest r = decode("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tool_choice\":" + wire + "}");
        assertThat(r.toolChoice()).isEqualTo(new ToolChoice(mode, name));
    }

    @Test
    void acceptsIntegralNumbersWrittenAsDecimalsAndNullAsAbsent() {
        ChatRequest r = decode("""
                {"model":"m","max_tokens":1.0e3,"temperature":1,"top_k":null,"stream":null,"system":null,
                 "messages":[{"role":"user","content":"x"}]}
                """);
        assertThat(r.maxTokens()).isEqualTo(1000);
        assertThat(r.temperature()).isEqualTo(1.0);
        assertThat(r.topK()).isNull();
        assertThat(r.stream()).isFalse();
        assertThat(r.messages()).hasSize(1);
        assertThat(r.extra()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            model                                  | {"max_tokens":10,"messages":[{"role":"user","content":"x"}]}
            model                                  | {"model":7,"max_tokens":10,"messages":[{"role":"user","content":"x"}]}
            max_tokens                             | {"model":"m","messages":[{"role":"user","content":"x"}]}
            max_tokens                             | {"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}
            max_tokens                             | {"model":"m","max_tokens":1.5,"messages":[{"role":"user","content":"x"}]}
            max_tokens                             | {"model":"m","max_tokens":"SECRET","messages":[{"role":"user","content":"x"}]}
            max_tokens                             | {"model":"m","max_tokens":99999999999,"messages":[{"role":"user","content":"x"}]}
            system                                 | {"model":"m","max_tokens":10,"system":5,"messages":[{"role":"user","content":"x"}]}
            system[0].type                         | {"model":"m","max_tokens":10,"system":[{"type":"image"}],"messages":[{"role":"user","content":"x"}]}
            messages                               | {"model":"m","max_tokens":10}
            messages                               | {"model":"m","max_tokens":10,"messages":[]}
            messages                               | {"model":"m","max_tokens":10,"messages":"SECRET"}
            messages[0]                            | {"model":"m","max_tokens":10,"messages":["SECRET"]}
            messages[0].role                       | {"model":"m","max_tokens":10,"messages":[{"role":"system","content":"SECRET"}]}
            messages[0].role                       | {"model":"m","max_tokens":10,"messages":[{"content":"x"}]}
            messages[0].content                    | {"model":"m","max_tokens":10,"messages":[{"role":"user"}]}
            messages[0].content                    | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":42}]}
            messages[0].content[0].type            | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}
            messages[0].content[0].text            | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text"}]}]}
            messages[0].content[0].source          | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image"}]}]}
            messages[0].content[0].source.type     | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"SECRET"}}]}]}
            messages[0].content[0].source.data     | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png"}}]}]}
            messages[0].content[0].source.url      | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url"}}]}]}
            messages[0].content[0].type            | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}]}
            messages[0].content[0].type            | {"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_result","tool_use_id":"t"}]}]}
            messages[0].content[0].type            | {"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"image","source":{"type":"url","url":"https://x"}}]}]}
            messages[0].content[0].input           | {"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":"SECRET"}]}]}
            messages[0].content[0].id              | {"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"f","input":{}}]}]}
            messages[0].content[0].name            | {"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","input":{}}]}]}
            messages[0].content[0].tool_use_id     | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","content":"SECRET"}]}]}
            messages[0].content[0].is_error        | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":"SECRET"}]}]}
            messages[0].content[0].content[0].type | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"document"}]}]}]}
            messages[1].content[0].type            | {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"thinking","thinking":"SECRET","signature":"s"}]}]}
            temperature                            | {"model":"m","max_tokens":10,"temperature":1.5,"messages":[{"role":"user","content":"x"}]}
            temperature                            | {"model":"m","max_tokens":10,"temperature":"SECRET","messages":[{"role":"user","content":"x"}]}
            top_p                                  | {"model":"m","max_tokens":10,"top_p":2,"messages":[{"role":"user","content":"x"}]}
            top_k                                  | {"model":"m","max_tokens":10,"top_k":-1,"messages":[{"role":"user","content":"x"}]}
            stop_sequences                         | {"model":"m","max_tokens":10,"stop_sequences":"SECRET","messages":[{"role":"user","content":"x"}]}
            stop_sequences[1]                      | {"model":"m","max_tokens":10,"stop_sequences":["a",1],"messages":[{"role":"user","content":"x"}]}
            stream                                 | {"model":"m","max_tokens":10,"stream":"SECRET","messages":[{"role":"user","content":"x"}]}
            tools                                  | {"model":"m","max_tokens":10,"tools":{},"messages":[{"role":"user","content":"x"}]}
            tools[0].name                          | {"model":"m","max_tokens":10,"tools":[{"description":"SECRET"}],"messages":[{"role":"user","content":"x"}]}
            tools[0].type                          | {"model":"m","max_tokens":10,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"x"}]}
            tools[0].input_schema                  | {"model":"m","max_tokens":10,"tools":[{"name":"f","input_schema":"SECRET"}],"messages":[{"role":"user","content":"x"}]}
            tool_choice                            | {"model":"m","max_tokens":10,"tool_choice":"auto","messages":[{"role":"user","content":"x"}]}
            tool_choice.type                       | {"model":"m","max_tokens":10,"tool_choice":{"type":"required"},"messages":[{"role":"user","content":"x"}]}
            tool_choice.name                       | {"model":"m","max_tokens":10,"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"x"}]}
            tool_choice.disable_parallel_tool_use  | {"model":"m","max_tokens":10,"tool_choice":{"type":"auto","disable_parallel_tool_use":true},"messages":[{"role":"user","content":"x"}]}
            metadata                               | {"model":"m","max_tokens":10,"metadata":"SECRET","messages":[{"role":"user","content":"x"}]}
            metadata.user_id                       | {"model":"m","max_tokens":10,"metadata":{"user_id":42},"messages":[{"role":"user","content":"x"}]}
            """)
    void refusesAnInvalidRequestNamingTheParameterWithoutItsValue(String param, String body) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> AnthropicWire.decodeRequest(Json.parseObject(body), false));
        assertThat(e).as("no exception").isNotNull();
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).startsWith(param + ": ").contains("(expected: ").doesNotContain("SECRET");
    }

    @Test
    void dropsThinkingBlocksAndParallelToolUseHintWhenTheCallerOptsIn() {
        ChatRequest r = AnthropicWire.decodeRequest(Json.parseObject("""
                {"model":"m","max_tokens":10,"tool_choice":{"type":"any","disable_parallel_tool_use":true},
                 "messages":[{"role":"user","content":"x"},
                   {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},
                     {"type":"redacted_thinking","data":"opaque"},{"type":"text","text":"Done."}]}]}
                """), true);
        assertThat(r.dropUnsupported()).isTrue();
        assertThat(r.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.REQUIRED, null));
        assertThat(r.messages()).containsExactly(ChatMessage.text(Role.USER, "x"),
                ChatMessage.text(Role.ASSISTANT, "Done."));
    }

    @Test
    void keepsUnknownTopLevelParametersAsExtrasByWireName() {
        ChatRequest r = decode("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
                 "container":"c-1","mcp_servers":[{"name":"s"}],"thinking":{"type":"enabled","budget_tokens":1024}}
                """);
        assertThat(r.extra()).isEqualTo(Map.of("container", "c-1", "mcp_servers", List.of(Map.of("name", "s")),
                "thinking", Map.of("type", "enabled", "budget_tokens", 1024L)));
    }

    private static ChatRequest decode(String json) {
        return AnthropicWire.decodeRequest(Json.parseObject(json), false);
    }
}
