package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.ToolChoice;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnthropicRequestEncodeTest {

    @Test
    void reEncodesADecodedRequestAsItCame() {
        String body = """
                {"model":"claude-sonnet-4-5","max_tokens":512,"system":"Be brief.",
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"Weather?"},
                     {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                     {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]},
                   {"role":"assistant","content":[{"type":"text","text":"Checking."},
                     {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Zürich","days":[1,2]}},
                     {"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},
                   {"role":"user","content":[
                     {"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},
                     {"type":"tool_result","tool_use_id":"toolu_2","content":"failed","is_error":true},
                     {"type":"text","text":"And tomorrow?"}]},
                   {"role":"assistant","content":"Also sunny."}],
                 "temperature":0.25,"top_p":0.5,"top_k":8,"stop_sequences":["END","STOP"],"stream":true,
                 "tools":[{"name":"get_weather","description":"Weather by city",
                           "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                          {"name":"get_time","input_schema":{"type":"object"}}],
                 "tool_choice":{"type":"tool","name":"get_weather"},"metadata":{"user_id":"u-42"},
                 "service_tier":"standard_only"}
                """;
        Map<String, Object> encoded = AnthropicWire.encodeRequest(
                AnthropicWire.decodeRequest(Json.parseObject(body), false), true, 4096);
        assertThat(normalized(encoded)).isEqualTo(Json.parseObject(body));
    }

    @Test
    void foldsSystemAndDeveloperMessagesWhereverTheyAreIntoSystem() {
        Map<String, Object> body = encode(request(List.of(
                ChatMessage.text(Role.SYSTEM, "Rule one."),
                ChatMessage.text(Role.USER, "Hi"),
                ChatMessage.text(Role.DEVELOPER, "Rule two."),
                ChatMessage.text(Role.USER, "Still there?"),
                ChatMessage.text(Role.ASSISTANT, "Yes."),
                new ChatMessage(Role.SYSTEM, List.of(new ContentPart.Text("Rule"), new ContentPart.Text("three.")),
                        null, null, null, false))));
        assertThat(body.get("system")).isEqualTo("Rule one.\n\nRule two.\n\nRule\n\nthree.");
        assertThat(normalized(body.get("messages"))).isEqualTo(Json.parse("""
                [{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"Still there?"}]},
                 {"role":"assistant","content":"Yes."}]
                """));
    }

    @Test
    void mergesAdjacentToolResultsAndTheFollowingUserMessageIntoOneUserTurn() {
        Map<String, Object> body = encode(request(List.of(
                ChatMessage.text(Role.USER, "Weather and time?"),
                new ChatMessage(Role.ASSISTANT, List.of(new ContentPart.Text("")),
                        List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Bern\"}"),
                                new ToolCall("call_2", "get_time", "")), null, null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("sunny")), null, "call_1", "get_weather", false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("clock broke")), null, "call_2", null, true),
                ChatMessage.text(Role.USER, "Thanks"))));
        assertThat(normalized(body.get("messages"))).isEqualTo(Json.parse("""
                [{"role":"user","content":"Weather and time?"},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Bern"}},
                   {"type":"tool_use","id":"call_2","name":"get_time","input":{}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"call_1","content":"sunny"},
                   {"type":"tool_result","tool_use_id":"call_2","content":"clock broke","is_error":true},
                   {"type":"text","text":"Thanks"}]}]
                """));
    }

    @Test
    void putsToolResultsFirstInAUserTurnAndMergesConsecutiveTurnsOfOneRole() {
        Map<String, Object> body = encode(request(List.of(
                ChatMessage.text(Role.USER, "Go"),
                ChatMessage.text(Role.ASSISTANT, "Calling."),
                new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("call_1", "f", "{}")), null, null,
                        false),
                ChatMessage.text(Role.USER, "(while you work)"),
                new ChatMessage(Role.TOOL, List.of(), null, "call_1", null, false),
                ChatMessage.text(Role.ASSISTANT, ""),
                ChatMessage.text(Role.USER, "Next"))));
        assertThat(normalized(body.get("messages"))).isEqualTo(Json.parse("""
                [{"role":"user","content":"Go"},
                 {"role":"assistant","content":[{"type":"text","text":"Calling."},
                   {"type":"tool_use","id":"call_1","name":"f","input":{}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1"},
                   {"type":"text","text":"(while you work)"},{"type":"text","text":"Next"}]}]
                """));
    }

    @Test
    void writesImagesAsBase64OrUrlSources() {
        Map<String, Object> body = encode(request(List.of(
                new ChatMessage(Role.USER, List.of(new ContentPart.Text("Compare"),
                        new ContentPart.Image("data:image/jpeg;base64,/9j/4AAQ", null, null, "high"),
                        new ContentPart.Image("https://example.com/a.png", null, null, null),
                        new ContentPart.Image("http://example.com/b.png", null, null, null),
                        new ContentPart.Image(null, "image/webp", "UklGR", null)), null, null, null, false),
                new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "shot", "{}")), null, null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("here"),
                        new ContentPart.Image(null, "image/png", "iVBO", null)), null, "c", null, false))));
        assertThat(normalized(body.get("messages"))).isEqualTo(Json.parse("""
                [{"role":"user","content":[{"type":"text","text":"Compare"},
                   {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
                   {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},
                   {"type":"image","source":{"type":"url","url":"http://example.com/b.png"}},
                   {"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGR"}}]},
                 {"role":"assistant","content":[{"type":"tool_use","id":"c","name":"shot","input":{}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"c","content":[
                   {"type":"text","text":"here"},
                   {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]}]}]
                """));
    }

    @Test
    void refusesWhatAnthropicCannotExpressNamingTheNeutralParameter() {
        ChatMessage user = ChatMessage.text(Role.USER, "x");
        assertParam(List.of(user, new ChatMessage(Role.ASSISTANT, List.of(),
                List.of(new ToolCall("a", "f", "{}"), new ToolCall("b", "f", "{\"city\":\"SECRET")), null, null, false)),
                "messages[1].tool_calls[1].function.arguments");
        assertParam(List.of(user, new ChatMessage(Role.ASSISTANT, List.of(),
                List.of(new ToolCall("a", "f", "[\"SECRET\"]")), null, null, false)),
                "messages[1].tool_calls[0].function.arguments");
        assertParam(List.of(user, new ChatMessage(Role.ASSISTANT, List.of(),
                List.of(new ToolCall(null, "f", "{}")), null, null, false)), "messages[1].tool_calls[0].id");
        assertParam(List.of(user, new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("SECRET")), null, null, null,
                false)), "messages[1].tool_call_id");
        assertParam(List.of(new ChatMessage(Role.USER, List.of(new ContentPart.Text("x"),
                new ContentPart.Image("ftp://SECRET/cat.png", null, null, null)), null, null, null, false)),
                "messages[0].content[1].image_url");
        assertParam(List.of(new ChatMessage(Role.USER, List.of(new ContentPart.Image(null, null, "SECRET", null)), null,
                null, null, false)), "messages[0].content[0].image_url");
        assertParam(List.of(user, new ChatMessage(Role.ASSISTANT,
                List.of(new ContentPart.Image("https://x/SECRET.png", null, null, null)), null, null, null, false)),
                "messages[1].content[0]");
        assertParam(List.of(new ChatMessage(Role.SYSTEM, List.of(new ContentPart.Image("https://x/SECRET.png", null,
                null, null)), null, null, null, false), user), "messages[0].content");
        assertParam(List.of(ChatMessage.text(Role.SYSTEM, "SECRET")), "messages");
    }

    @Test
    void refusesTemperatureAboveOneEvenWhenDroppingUnsupportedParameters() {
        for (boolean drop : new boolean[] {false, true}) {
            assertThatThrownBy(() -> AnthropicWire.encodeRequest(new ChatRequest("m",
                    List.of(ChatMessage.text(Role.USER, "x")), null, null, 1.2, null, null, null, null, null, null,
                    null, false, null, drop), false, 1024))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.param()).isEqualTo("temperature");
                        assertThat(e.getMessage()).contains("accepts 0 to 1").doesNotContain("1.2");
                    });
        }
        assertThat(AnthropicWire.encodeRequest(new ChatRequest("m", List.of(ChatMessage.text(Role.USER, "x")), null,
                null, 1.0, null, null, null, null, null, null, null, false, null, false), false, 1024))
                .containsEntry("temperature", 1.0);
    }

    @Test
    void refusesSeedResponseFormatAndForeignExtrasUnlessDropping() {
        List<ChatMessage> messages = List.of(ChatMessage.text(Role.USER, "x"));
        assertUnsupported(new ChatRequest("m", messages, null, null, null, null, null, null, null, 7L, null, null,
                false, null, false), "seed");
        assertUnsupported(new ChatRequest("m", messages, null, null, null, null, null, null, null, null, null,
                Map.of("type", "json_object"), false, null, false), "response_format");
        assertUnsupported(new ChatRequest("m", messages, null, null, null, null, null, null, null, null, null, null,
                false, Map.of("n", 2L, "logprobs", true), false), "logprobs");

        Map<String, Object> dropped = AnthropicWire.encodeRequest(new ChatRequest("m", messages, null, null, null,
                null, null, null, null, 7L, null, Map.of("type", "json_object"), false, Map.of("logprobs", true), true),
                false, 1024);
        assertThat(dropped).containsOnlyKeys("model", "max_tokens", "messages");
    }

    @Test
    void copiesExtrasWhenTheCallerSpokeAnthropicWithoutOverridingNeutralFields() {
        Map<String, Object> body = AnthropicWire.encodeRequest(new ChatRequest("m",
                List.of(ChatMessage.text(Role.USER, "x")), null, null, null, null, null, 100, null, null, null, null,
                false, Map.of("thinking", Map.of("type", "enabled", "budget_tokens", 64L), "max_tokens", 5L), false),
                true, 1024);
        assertThat(body).containsEntry("thinking", Map.of("type", "enabled", "budget_tokens", 64L))
                .containsEntry("max_tokens", 100);
    }

    @Test
    void injectsTheDefaultMaxTokensOnlyWhenTheCallerGaveNone() {
        List<ChatMessage> messages = List.of(ChatMessage.text(Role.USER, "x"));
        assertThat(AnthropicWire.encodeRequest(new ChatRequest("m", messages, null, null, null, null, null, null, null,
                null, null, null, false, null, false), false, 4096)).containsEntry("max_tokens", 4096);
        assertThat(AnthropicWire.encodeRequest(new ChatRequest("m", messages, null, null, null, null, null, 77, null,
                null, null, null, false, null, false), false, 4096)).containsEntry("max_tokens", 77);
    }

    @Test
    void writesUserToolsToolChoiceStopAndStream() {
        List<ChatMessage> messages = List.of(ChatMessage.text(Role.USER, "x"));
        List<Tool> tools = List.of(new Tool("ping", null, null));
        List<Object> choices = new ArrayList<>();
        for (ToolChoice c : List.of(new ToolChoice(ToolChoice.Mode.AUTO, null),
                new ToolChoice(ToolChoice.Mode.NONE, null), new ToolChoice(ToolChoice.Mode.REQUIRED, null),
                new ToolChoice(ToolChoice.Mode.TOOL, "ping"))) {
            Map<String, Object> body = AnthropicWire.encodeRequest(new ChatRequest("m", messages, tools, c, null, null,
                    null, null, List.of("###"), null, "user-9", null, true, null, false), false, 1024);
            assertThat(body).containsEntry("metadata", Map.of("user_id", "user-9"))
                    .containsEntry("stop_sequences", List.of("###")).containsEntry("stream", true);
            assertThat(normalized(body.get("tools"))).isEqualTo(Json.parse("""
                    [{"name":"ping","input_schema":{"type":"object","properties":{}}}]"""));
            choices.add(normalized(body.get("tool_choice")));
        }
        assertThat(choices).isEqualTo(Json.parse("""
                [{"type":"auto"},{"type":"none"},{"type":"any"},{"type":"tool","name":"ping"}]"""));
        Map<String, Object> plain = AnthropicWire.encodeRequest(new ChatRequest("m", messages, null, null, null, null,
                null, null, null, null, null, null, false, null, false), false, 1024);
        assertThat(plain).containsOnlyKeys("model", "max_tokens", "messages");
    }

    private static ChatRequest request(List<ChatMessage> messages) {
        return new ChatRequest("claude", messages, null, null, null, null, null, null, null, null, null, null, false,
                null, false);
    }

    private static Map<String, Object> encode(ChatRequest r) {
        return AnthropicWire.encodeRequest(r, false, 1024);
    }

    private static void assertParam(List<ChatMessage> messages, String param) {
        assertThatThrownBy(() -> encode(request(messages)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).startsWith(param + ": ").doesNotContain("SECRET");
                });
    }

    private static void assertUnsupported(ChatRequest r, String param) {
        assertThatThrownBy(() -> AnthropicWire.encodeRequest(r, false, 1024))
                .isInstanceOfSatisfying(UnsupportedParameterException.class, e -> {
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).contains("'anthropic'");
                });
    }

    /** The value as it reads back from its JSON text: numbers and maps compare by content. */
    static Object normalized(Object value) {
        return Json.parse(Json.write(value));
    }
}
