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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class OpenAiRequestTest {

    private static final String FULL = """
            {"model": "gpt-4o",
             "messages": [
               {"role": "system", "content": "Be brief."},
               {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
               {"role": "user", "name": "ann", "content": [
                 {"type": "text", "text": "What is in this picture?"},
                 {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
               {"role": "assistant", "content": null, "tool_calls": [
                 {"id": "call_1", "type": "function",
                  "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}]},
               {"role": "tool", "tool_call_id": "call_1", "content": "18°C"}],
             "temperature": 0.7, "top_p": 0.9, "max_tokens": 100, "max_completion_tokens": 200,
             "n": 1, "stop": "END", "stream": true, "stream_options": {"include_usage": true},
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
             "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
             "seed": 42, "user": "u-1", "response_format": {"type": "json_object"},
             "presence_penalty": 0.5, "logprobs": true, "parallel_tool_calls": false, "top_logprobs": null}
            """;

    @Test
    void decodesEveryOpenAiParameterIntoTheNeutralRequest() {
        OpenAiWire.Decoded decoded = OpenAiWire.decodeRequest(Json.parseObject(FULL), false);
        ChatRequest r = decoded.request();

        assertThat(decoded.includeUsage()).isTrue();
        assertThat(r.model()).isEqualTo("gpt-4o");
        assertThat(r.messages()).extracting(ChatMessage::role)
                .containsExactly(Role.SYSTEM, Role.DEVELOPER, Role.USER, Role.ASSISTANT, Role.TOOL);
        assertThat(r.messages().get(2).name()).isEqualTo("ann");
        assertThat(r.messages().get(2).content()).containsExactly(
                new ContentPart.Text("What is in this picture?"),
                new ContentPart.Image("https://example.com/cat.png", null, null, "low"),
                new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null, null, null));
        assertThat(r.messages().get(3).content()).isEmpty();
        assertThat(r.messages().get(3).toolCalls())
                .containsExactly(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"));
        assertThat(r.messages().get(4).toolCallId()).isEqualTo("call_1");
        assertThat(r.messages().get(4).text()).isEqualTo("18°C");
        assertThat(r.temperature()).isEqualTo(0.7);
        assertThat(r.topP()).isEqualTo(0.9);
        assertThat(r.topK()).isNull();
        assertThat(r.maxTokens()).as("max_completion_tokens wins").isEqualTo(200);
        assertThat(r.stop()).containsExactly("END");
        assertThat(r.stream()).isTrue();
        assertThat(r.tools()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("get_weather");
            assertThat(t.description()).isEqualTo("Weather now");
            assertThat(t.parameters()).containsEntry("type", "object");
        });
        assertThat(r.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.TOOL, "get_weather"));
        assertThat(r.seed()).isEqualTo(42L);
        assertThat(r.user()).isEqualTo("u-1");
        assertThat(r.responseFormat()).isEqualTo(Map.of("type", "json_object"));
        assertThat(r.extra()).as("other parameters by wire name; nulls are absent")
                .isEqualTo(Map.of("presence_penalty", new BigDecimal("0.5"), "logprobs", true,
                        "parallel_tool_calls", false));
        assertThat(r.dropUnsupported()).isFalse();
    }

    @Test
    void readsMaxTokensWhenMaxCompletionTokensIsAbsentAndNullsAsAbsent() {
        ChatRequest r = decode("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 64,
                 "temperature": null, "stop": null, "tools": null, "stream": false}""");
        assertThat(r.maxTokens()).isEqualTo(64);
        assertThat(r.temperature()).isNull();
        assertThat(r.stop()).isEmpty();
        assertThat(r.tools()).isEmpty();
        assertThat(r.extra()).isEmpty();
    }

    @Test
    void roundTripsADecodedRequestThroughTheWire() {
        ChatRequest first = OpenAiWire.decodeRequest(Json.parseObject(FULL), true).request();
        ChatRequest again = OpenAiWire.decodeRequest(wire(first, "openai", true), true).request();
        assertThat(again).isEqualTo(first);
    }

    @Test
    void roundTripsANeutralRequestThroughTheWire() {
        ChatRequest x = new ChatRequest("gpt-4o-mini", List.of(
                ChatMessage.text(Role.SYSTEM, "You are terse."),
                ChatMessage.text(Role.DEVELOPER, "Use metric units."),
                new ChatMessage(Role.USER, List.of(new ContentPart.Text("Compare "), new ContentPart.Text("these:"),
                        new ContentPart.Image("https://example.com/a.jpg", null, null, "high"),
                        new ContentPart.Image("data:image/jpeg;base64,/9j/4AAQ", null, null, null)),
                        List.of(), null, "bob", false),
                new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("call_a", "lookup", "{\"q\":1}"),
                        new ToolCall("call_b", "lookup", "{\"q\":2}")), null, null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("one")), List.of(), "call_a", null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("two")), List.of(), "call_b", null, false),
                ChatMessage.text(Role.ASSISTANT, "Done.")),
                List.of(new Tool("lookup", null, Map.of("type", "object")), new Tool("noop", "Nothing", null)),
                new ToolChoice(ToolChoice.Mode.REQUIRED, null), 0.25, 1.0, null, 512, List.of("a", "b"), 7L, "u-9",
                Map.of("type", "text"), false, Map.of("frequency_penalty", new BigDecimal("0.1")), false);

        assertThat(OpenAiWire.decodeRequest(wire(x, "openai", true), false).request()).isEqualTo(x);
    }

    @Test
    void writesDeveloperMessagesForOpenAiAndSystemMessagesForOthers() {
        ChatRequest r = request(List.of(ChatMessage.text(Role.DEVELOPER, "rules"), ChatMessage.text(Role.USER, "hi")));
        assertThat(messages(OpenAiWire.encodeRequest(r, "openai", false)).getFirst())
                .isEqualTo(Map.of("role", "developer", "content", "rules"));
        assertThat(messages(OpenAiWire.encodeRequest(r, "mistral", false)).getFirst())
                .isEqualTo(Map.of("role", "system", "content", "rules"));
        assertThat(messages(OpenAiWire.encodeRequest(r, "vllm", false)).getFirst()).containsEntry("role", "system");
    }

    @Test
    void writesToolOnlyAssistantTurnsWithNullContentAndToolResultsWithTheirCallId() {
        ChatRequest r = request(List.of(ChatMessage.text(Role.USER, "weather?"),
                new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("c1", "w", "{}")), null, null, false),
                new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("sunny")), List.of(), "c1", null, false)));
        List<Map<String, Object>> messages = messages(OpenAiWire.encodeRequest(r, "openai", false));
        assertThat(Json.write(messages.get(1))).isEqualTo("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",\
                "function":{"name":"w","arguments":"{}"}}]}""");
        assertThat(Json.write(messages.get(2))).isEqualTo("""
                {"role":"tool","content":"sunny","tool_call_id":"c1"}""");
    }

    @Test
    void writesBase64ImagesAsDataUrls() {
        ChatRequest r = request(List.of(new ChatMessage(Role.USER, List.of(new ContentPart.Text("see"),
                new ContentPart.Image(null, "image/webp", "UklGRg==", null)), List.of(), null, null, false)));
        assertThat(Json.write(messages(OpenAiWire.encodeRequest(r, "openai", false)).getFirst())).isEqualTo("""
                {"role":"user","content":[{"type":"text","text":"see"},\
                {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGRg=="}}]}""");
    }

    @Test
    void alwaysAsksTheUpstreamForUsageWhenStreamingEvenIfTheCallerDidNot() {
        OpenAiWire.Decoded d = OpenAiWire.decodeRequest(Json.parseObject("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": true}"""), false);
        assertThat(d.includeUsage()).isFalse();
        Map<String, Object> body = OpenAiWire.encodeRequest(d.request(), "openai", false);
        assertThat(body).containsEntry("stream", true)
                .containsEntry("stream_options", Map.of("include_usage", true));
        assertThat(OpenAiWire.encodeRequest(d.request(), "lmstudio", false))
                .containsEntry("stream_options", Map.of("include_usage", true));
        assertThat(OpenAiWire.encodeRequest(request(List.of(ChatMessage.text(Role.USER, "x"))), "openai", false))
                .doesNotContainKeys("stream", "stream_options");
    }

    @Test
    void mistralGetsRandomSeedMaxTokensAndNoStreamOptions() {
        ChatRequest r = decode("""
                {"model": "mistral-large-latest", "messages": [{"role": "user", "content": "hi"}],
                 "seed": 3, "max_completion_tokens": 10, "stream": true}""");
        Map<String, Object> body = OpenAiWire.encodeRequest(r, "mistral", false);
        assertThat(body).containsEntry("random_seed", 3L).containsEntry("max_tokens", 10).containsEntry("stream", true)
                .doesNotContainKeys("seed", "max_completion_tokens", "stream_options");
        assertThat(OpenAiWire.encodeRequest(r, "openai", false)).containsEntry("seed", 3L)
                .containsEntry("max_completion_tokens", 10).doesNotContainKey("max_tokens");
    }

    @Test
    void refusesMistralTheUserParameterUnlessDropping() {
        String body = """
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "user": "u-1"}""";
        assertUnsupported(() -> OpenAiWire.encodeRequest(decode(body), "mistral", true), "user");
        Map<String, Object> dropped = OpenAiWire.encodeRequest(
                OpenAiWire.decodeRequest(Json.parseObject(body), true).request(), "mistral", true);
        assertThat(dropped).doesNotContainKey("user");
    }

    @Test
    void refusesTopKUnlessTheCallerDropsUnsupportedParameters() {
        ChatRequest topK = new ChatRequest("m", List.of(ChatMessage.text(Role.USER, "hi")), null, null, null, null,
                40, null, null, null, null, null, false, null, false);
        assertUnsupported(() -> OpenAiWire.encodeRequest(topK, "openai", true), "top_k");
        ChatRequest dropping = new ChatRequest("m", topK.messages(), null, null, null, null, 40, null, null, null, null,
                null, false, null, true);
        assertThat(OpenAiWire.encodeRequest(dropping, "openai", true)).doesNotContainKey("top_k");
    }

    @Test
    void copiesExtrasWhenPassingAndRefusesOrDropsThemOtherwise() {
        String body = """
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": true,
                 "presence_penalty": 0.5}""";
        assertThat(OpenAiWire.encodeRequest(decode(body), "openai", true)).containsEntry("logprobs", true)
                .containsEntry("presence_penalty", new BigDecimal("0.5"));
        assertUnsupported(() -> OpenAiWire.encodeRequest(decode(body), "openai", false), "logprobs");
        ChatRequest dropping = OpenAiWire.decodeRequest(Json.parseObject(body), true).request();
        assertThat(OpenAiWire.encodeRequest(dropping, "openai", false))
                .doesNotContainKeys("logprobs", "presence_penalty");
    }

    @Test
    void extrasNeverOverrideTheParametersItWrites() {
        ChatRequest r = new ChatRequest("m", List.of(ChatMessage.text(Role.USER, "hi")), null, null, null, null, null,
                null, null, null, null, null, true, Map.of("stream_options", Map.of("include_usage", false)), false);
        assertThat(OpenAiWire.encodeRequest(r, "openai", true))
                .containsEntry("stream_options", Map.of("include_usage", true));
    }

    @Test
    void refusesNGreaterThanOneWithItsOwnMessage() {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class, () -> decode("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 2}"""));
        assertThat(e.param()).isEqualTo("n");
        assertThat(e).hasMessage("only n=1 is supported").isNotInstanceOf(UnsupportedParameterException.class);
    }

    @Test
    void refusesABodyThatIsNotAnObject() {
        assertThatThrownBy(() -> OpenAiWire.decodeRequest(null, false)).isInstanceOf(InvalidRequestException.class);
    }

    static Stream<Arguments> invalidRequests() {
        String user = "{\"role\": \"user\", \"content\": \"hi\"}";
        String call = "{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c\", \"type\": \"function\", "
                + "\"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]}";
        return Stream.of(
                bad("model", "{\"messages\": [" + user + "]}"),
                bad("model", "{\"model\": 4, \"messages\": [" + user + "]}"),
                bad("messages", "{\"model\": \"m\"}"),
                bad("messages", "{\"model\": \"m\", \"messages\": []}"),
                bad("messages", "{\"model\": \"m\", \"messages\": \"SECRET\"}"),
                bad("messages[0]", msgs("\"SECRET\"")),
                bad("messages[0].role", msgs("{\"role\": \"SECRET\", \"content\": \"x\"}")),
                bad("messages[0].role", msgs("{\"role\": \"function\", \"content\": \"x\", \"name\": \"f\"}")),
                bad("messages[0].role", msgs("{\"content\": \"x\"}")),
                bad("messages[1].content", msgs(user + ", {\"role\": \"user\"}")),
                bad("messages[0].content", msgs("{\"role\": \"user\", \"content\": 12345}")),
                bad("messages[0].content", msgs("{\"role\": \"user\", \"content\": []}")),
                bad("messages[0].content[1].type", msgs("{\"role\": \"user\", \"content\": [{\"type\": \"text\", "
                        + "\"text\": \"a\"}, {\"type\": \"input_audio\", \"input_audio\": {}}]}")),
                bad("messages[0].content[0].type", msgs("{\"role\": \"system\", \"content\": [{\"type\": "
                        + "\"image_url\", \"image_url\": {\"url\": \"https://x/y.png\"}}]}")),
                bad("messages[0].content[0].type", msgs("{\"role\": \"user\", \"content\": [{\"text\": \"a\"}]}")),
                bad("messages[0].content[0].text", msgs("{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}")),
                bad("messages[0].content[0].image_url", msgs("{\"role\": \"user\", \"content\": [{\"type\": "
                        + "\"image_url\"}]}")),
                bad("messages[0].content[0].image_url.url", msgs("{\"role\": \"user\", \"content\": [{\"type\": "
                        + "\"image_url\", \"image_url\": {}}]}")),
                bad("messages[0].content[0].image_url.url", msgs("{\"role\": \"user\", \"content\": [{\"type\": "
                        + "\"image_url\", \"image_url\": {\"url\": \"ftp://SECRET/x.png\"}}]}")),
                bad("messages[0].content[0].image_url.url", msgs("{\"role\": \"user\", \"content\": [{\"type\": "
                        + "\"image_url\", \"image_url\": {\"url\": \"data:image/png,SECRET\"}}]}")),
                bad("messages[0].content[0].image_url.detail", msgs("{\"role\": \"user\", \"content\": [{\"type\": "
                        + "\"image_url\", \"image_url\": {\"url\": \"https://x/y.png\", \"detail\": \"SECRET\"}}]}")),
                bad("messages[0].tool_calls", msgs("{\"role\": \"user\", \"content\": \"x\", \"tool_calls\": []}")),
                bad("messages[1].content", msgs(user + ", {\"role\": \"assistant\"}")),
                bad("messages[1].content", msgs(user + ", {\"role\": \"assistant\", \"content\": []}")),
                bad("messages[1].tool_calls", msgs(user + ", {\"role\": \"assistant\", \"tool_calls\": {}}")),
                bad("messages[1].tool_calls[0].id", msgs(user + ", {\"role\": \"assistant\", \"tool_calls\": "
                        + "[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]}")),
                bad("messages[1].tool_calls[0].type", msgs(user + ", {\"role\": \"assistant\", \"tool_calls\": "
                        + "[{\"id\": \"c\", \"type\": \"SECRET\", \"function\": {\"name\": \"f\", \"arguments\": "
                        + "\"{}\"}}]}")),
                bad("messages[1].tool_calls[0].function", msgs(user + ", {\"role\": \"assistant\", \"tool_calls\": "
                        + "[{\"id\": \"c\", \"type\": \"function\"}]}")),
                bad("messages[1].tool_calls[0].function.name", msgs(user + ", {\"role\": \"assistant\", "
                        + "\"tool_calls\": [{\"id\": \"c\", \"function\": {\"arguments\": \"{}\"}}]}")),
                bad("messages[1].tool_calls[0].function.arguments", msgs(user + ", {\"role\": \"assistant\", "
                        + "\"tool_calls\": [{\"id\": \"c\", \"function\": {\"name\": \"f\", \"arguments\": "
                        + "{\"SECRET\": 1}}}]}")),
                bad("messages[2].tool_call_id", msgs(user + ", " + call + ", {\"role\": \"tool\", \"content\": "
                        + "\"x\"}")),
                bad("messages[0].name", msgs("{\"role\": \"user\", \"content\": \"x\", \"name\": 7}")),
                bad("temperature", body("\"temperature\": 2.5")),
                bad("temperature", body("\"temperature\": -0.1")),
                bad("temperature", body("\"temperature\": \"SECRET\"")),
                bad("top_p", body("\"top_p\": 1.01")),
                bad("max_tokens", body("\"max_tokens\": 0")),
                bad("max_tokens", body("\"max_tokens\": 1.5")),
                bad("max_tokens", body("\"max_tokens\": \"10\"")),
                bad("max_tokens", body("\"max_tokens\": 1e9999")),
                bad("max_completion_tokens", body("\"max_completion_tokens\": -5")),
                bad("max_completion_tokens", body("\"max_completion_tokens\": 3000000000")),
                bad("n", body("\"n\": 0")),
                bad("n", body("\"n\": \"SECRET\"")),
                bad("stop", body("\"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]")),
                bad("stop", body("\"stop\": [1]")),
                bad("stop", body("\"stop\": {}")),
                bad("stream", body("\"stream\": \"yes\"")),
                bad("stream_options", body("\"stream_options\": {\"include_usage\": true}")),
                bad("stream_options", body("\"stream\": true, \"stream_options\": true")),
                bad("stream_options.include_usage", body("\"stream\": true, \"stream_options\": "
                        + "{\"include_usage\": \"SECRET\"}")),
                bad("tools", body("\"tools\": {}")),
                bad("tools[0]", body("\"tools\": [\"SECRET\"]")),
                bad("tools[0].type", body("\"tools\": [{\"function\": {\"name\": \"f\"}}]")),
                bad("tools[0].type", body("\"tools\": [{\"type\": \"code_interpreter\"}]")),
                bad("tools[0].function", body("\"tools\": [{\"type\": \"function\"}]")),
                bad("tools[0].function.name", body("\"tools\": [{\"type\": \"function\", \"function\": {}}]")),
                bad("tools[0].function.name", body("\"tools\": [{\"type\": \"function\", \"function\": "
                        + "{\"name\": \"SECRET name!\"}}]")),
                bad("tools[0].function.description", body("\"tools\": [{\"type\": \"function\", \"function\": "
                        + "{\"name\": \"f\", \"description\": 1}}]")),
                bad("tools[0].function.parameters", body("\"tools\": [{\"type\": \"function\", \"function\": "
                        + "{\"name\": \"f\", \"parameters\": \"SECRET\"}}]")),
                bad("tool_choice", body("\"tool_choice\": \"SECRET\"")),
                bad("tool_choice", body("\"tool_choice\": {\"type\": \"SECRET\"}")),
                bad("tool_choice.function", body("\"tool_choice\": {\"type\": \"function\"}")),
                bad("tool_choice.function.name", body("\"tool_choice\": {\"type\": \"function\", \"function\": {}}")),
                bad("tool_choice.function.name", body("\"tools\": [{\"type\": \"function\", \"function\": {\"name\": "
                        + "\"f\"}}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"SECRET\"}}")),
                bad("seed", body("\"seed\": 1.5")),
                bad("seed", body("\"seed\": \"SECRET\"")),
                bad("user", body("\"user\": 5")),
                bad("response_format", body("\"response_format\": \"SECRET\"")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void refusesAnInvalidParameterNamingItsPathWithoutEchoingIt(String param, String body) {
        InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
                () -> OpenAiWire.decodeRequest(Json.parseObject(body), false));
        assertThat(e).as(body).isNotNull();
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).doesNotContain("SECRET");
    }

    private static Arguments bad(String param, String body) {
        return Arguments.of(param, body);
    }

    private static String msgs(String messages) {
        return "{\"model\": \"m\", \"messages\": [" + messages + "]}";
    }

    private static String body(String params) {
        return "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], " + params + "}";
    }

    private static ChatRequest decode(String json) {
        return OpenAiWire.decodeRequest(Json.parseObject(json), false).request();
    }

    /** Encodes and parses back, as an upstream (or a second gateway) would read the body. */
    private static Map<String, Object> wire(ChatRequest r, String provider, boolean passExtra) {
        return Json.parseObject(Json.write(OpenAiWire.encodeRequest(r, provider, passExtra)));
    }

    private static ChatRequest request(List<ChatMessage> messages) {
        return new ChatRequest("m", messages, null, null, null, null, null, null, null, null, null, null, false, null,
                false);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> messages(Map<String, Object> body) {
        return (List<Map<String, Object>>) body.get("messages");
    }

    private static void assertUnsupported(Runnable call, String param) {
        UnsupportedParameterException e = catchThrowableOfType(UnsupportedParameterException.class, call::run);
        assertThat(e).isNotNull();
        assertThat(e.param()).isEqualTo(param);
    }
}
