package dev.keyway.plugins.ollama;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.Deployment;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.ToolChoice;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.ai.UpstreamRequest;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OllamaRequestTest {
    private static final String SECRET = "olm-proxy-token-0123456789abcdef";
    private static final Deployment LOCAL = new Deployment("olm-1", "ollama", "http://127.0.0.1:11434/", "llama3.2",
            null, Map.of());
    private static final Deployment PROXIED = new Deployment("olm-2", "ollama", "https://ollama.internal", "qwen3:8b",
            SECRET, Map.of("num-ctx", "8192"));
    private static final Map<String, Object> WEATHER_SCHEMA = Map.of("type", "object",
            "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));

    private final Ollama ollama = new Ollama();

    @Test
    void postsToApiChatWithoutAuthenticationAndAlwaysSaysWhetherToStream() {
        UpstreamRequest up = ollama.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), false), LOCAL);

        assertThat(up.method()).isEqualTo("POST");
        assertThat(up.uri()).hasToString("http://127.0.0.1:11434/api/chat");
        assertThat(up.headers()).doesNotContainKey("Authorization").containsEntry("Accept", "application/json");
        assertThat(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"llama3.2\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":false}");

        UpstreamRequest streamed = ollama.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), true), LOCAL);
        assertThat(body(streamed)).containsEntry("stream", true);
        assertThat(streamed.headers()).containsEntry("Accept", "application/x-ndjson");
    }

    @Test
    void sendsACredentialOnlyAsABearerToken() {
        UpstreamRequest up = ollama.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), false), PROXIED);

        assertThat(up.headers()).containsEntry("Authorization", "Bearer " + SECRET);
        assertThat(up.headers().entrySet()).filteredOn(e -> e.getValue().contains(SECRET)).hasSize(1);
        assertThat(up.uri().toString()).doesNotContain(SECRET);
        assertThat(new String(up.body(), StandardCharsets.UTF_8)).doesNotContain(SECRET);
        assertThat(up.toString()).doesNotContain(SECRET);
    }

    @Test
    void sendsDeveloperMessagesAsSystemAndToolResultsWithTheirToolsName() {
        ChatMessage calls = new ChatMessage(Role.ASSISTANT, List.of(new ContentPart.Text("")), List.of(
                new ToolCall("call_0", "get_weather", "{\"city\":\"Zürich\"}"),
                new ToolCall("call_1", "get_time", null)), null, null, false);
        Map<String, Object> body = encode(request(List.of(
                ChatMessage.text(Role.SYSTEM, "Be brief."),
                ChatMessage.text(Role.DEVELOPER, "Use metric units."),
                ChatMessage.text(Role.USER, "Weather and time?"),
                calls,
                tool("call_0", "{\"temp_c\":21}"),
                tool("call_1", "14:05"),
                tool("call_9", "orphan")), false));

        assertThat(Json.write(body.get("messages"))).isEqualTo("["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"system\",\"content\":\"Use metric units.\"},"
                + "{\"role\":\"user\",\"content\":\"Weather and time?\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
                + "{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Zürich\"}}},"
                + "{\"function\":{\"name\":\"get_time\",\"arguments\":{}}}]},"
                + "{\"role\":\"tool\",\"content\":\"{\\\"temp_c\\\":21}\",\"tool_name\":\"get_weather\"},"
                + "{\"role\":\"tool\",\"content\":\"14:05\",\"tool_name\":\"get_time\"},"
                + "{\"role\":\"tool\",\"content\":\"orphan\"}]");
    }

    @Test
    void refusesArgumentsThatAreNotAJsonObject() {
        ChatMessage calls = new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "[1,2]")),
                null, null, false);

        assertThatThrownBy(() -> encode(request(List.of(ChatMessage.text(Role.USER, "go"), calls), false)))
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).param())
                        .isEqualTo("messages[1].tool_calls[0].function.arguments"));
    }

    @Test
    void sendsImagesAsBase64AndRefusesUrls() {
        ChatMessage user = new ChatMessage(Role.USER, List.of(new ContentPart.Text("What is "),
                new ContentPart.Image(null, "image/png", "iVBORw0KGgo=", null), new ContentPart.Text("this?"),
                new ContentPart.Image("data:image/jpeg;base64,/9j/4AAQ", null, null, null)), null, null, null, false);
        ChatMessage remote = new ChatMessage(Role.USER, List.of(new ContentPart.Text("And this?"),
                new ContentPart.Image("https://example.com/cat.png", null, null, null)), null, null, null, false);

        assertThat(Json.write(encode(request(List.of(user), false)).get("messages"))).isEqualTo(
                "[{\"role\":\"user\",\"content\":\"What is this?\",\"images\":[\"iVBORw0KGgo=\",\"/9j/4AAQ\"]}]");
        assertThatThrownBy(() -> encode(request(List.of(user, remote), false)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("messages[1].content[1].image_url: an image URL: ollama takes base64 images only "
                        + "(expected: a base64 data: URL or base64 image data)");
    }

    @Test
    void declaresToolsAndExpressesToolChoiceNoneByLeavingThemOut() {
        List<Tool> tools = List.of(new Tool("get_weather", "Current weather", WEATHER_SCHEMA),
                new Tool("get_time", null, null));
        ChatRequest r = withTools(tools, null, false);

        assertThat(Json.write(encode(r).get("tools"))).isEqualTo("[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"description\":\"Current weather\",\"parameters\":"
                + Json.write(WEATHER_SCHEMA) + "}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{}}}}]");
        assertThat(encode(withTools(tools, new ToolChoice(ToolChoice.Mode.AUTO, null), false))).containsKey("tools");
        assertThat(encode(withTools(tools, new ToolChoice(ToolChoice.Mode.NONE, null), false)))
                .doesNotContainKey("tools");
    }

    @Test
    void refusesAToolChoiceItCannotExpressUnlessDropping() {
        List<Tool> tools = List.of(new Tool("get_weather", null, WEATHER_SCHEMA));

        assertThatThrownBy(() -> encode(withTools(tools, new ToolChoice(ToolChoice.Mode.REQUIRED, null), false)))
                .isInstanceOf(UnsupportedParameterException.class)
                .hasMessageStartingWith("parameter 'tool_choice' is not supported by provider 'ollama'");
        assertThatThrownBy(() -> encode(withTools(tools, new ToolChoice(ToolChoice.Mode.TOOL, "get_weather"), false)))
                .isInstanceOf(UnsupportedParameterException.class);
        assertThat(encode(withTools(tools, new ToolChoice(ToolChoice.Mode.REQUIRED, null), true)))
                .containsKey("tools");
    }

    @Test
    void putsSamplingParametersAndTheContextWindowIntoOptions() {
        ChatRequest r = new ChatRequest("qwen3:8b", List.of(ChatMessage.text(Role.USER, "Hi")), null, null, 0.2,
                0.9, 40, 512, List.of("</s>", "User:"), 7L, null, Map.of("type", "json_object"), true, null, false);

        Map<String, Object> body = body(ollama.chat(r, PROXIED));

        assertThat(Json.write(body.get("options"))).isEqualTo("{\"temperature\":0.2,\"top_p\":0.9,\"top_k\":40,"
                + "\"num_predict\":512,\"stop\":[\"</s>\",\"User:\"],\"seed\":7,\"num_ctx\":8192}");
        assertThat(body).containsEntry("format", "json");
        assertThat(encode(request(List.of(ChatMessage.text(Role.USER, "Hi")), false))).doesNotContainKey("options");
    }

    @Test
    void refusesAContextWindowSettingThatIsNoPositiveInteger() {
        Deployment bad = new Deployment("olm-3", "ollama", "http://127.0.0.1:11434", "llama3.2", null,
                Map.of("num-ctx", "8k"));

        assertThatThrownBy(() -> ollama.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), false), bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deployment olm-3: setting num-ctx: '8k' (expected: a positive integer)");
    }

    @Test
    void sendsAJsonSchemaAsTheFormat() {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("age", Map.of("type", "integer")));
        ChatRequest r = new ChatRequest("m", List.of(ChatMessage.text(Role.USER, "Hi")), null, null, null, null,
                null, null, null, null, null, Map.of("type", "json_schema", "json_schema",
                Map.of("name", "person", "schema", schema)), false, null, false);

        assertThat(Json.write(encode(r).get("format"))).isEqualTo(Json.write(schema));
    }

    @Test
    void refusesUnsupportedParametersUnlessTheCallerDropsThem() {
        List<ChatMessage> hi = List.of(ChatMessage.text(Role.USER, "Hi"));
        ChatRequest user = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, "user-42", null,
                false, null, false);
        ChatRequest extra = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, null, null,
                false, Map.of("presence_penalty", 0.5, "logprobs", true), false);
        ChatRequest format = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, null,
                Map.of("type", "xml"), false, null, false);

        assertThatThrownBy(() -> encode(user)).isInstanceOf(UnsupportedParameterException.class)
                .satisfies(e -> assertThat(((UnsupportedParameterException) e).param()).isEqualTo("user"));
        assertThatThrownBy(() -> encode(extra)).isInstanceOf(UnsupportedParameterException.class)
                .satisfies(e -> assertThat(((UnsupportedParameterException) e).param()).isEqualTo("logprobs"));
        assertThatThrownBy(() -> encode(format)).isInstanceOf(UnsupportedParameterException.class)
                .satisfies(e -> assertThat(((UnsupportedParameterException) e).param()).isEqualTo("response_format"));

        ChatRequest dropped = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, "user-42",
                format.responseFormat(), false, extra.extra(), true);
        assertThat(Json.write(encode(dropped))).isEqualTo(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":false}");
    }

    @Test
    void asksForAllEmbeddingsAtOnce() {
        UpstreamRequest up = ollama.embeddings(new EmbeddingRequest("nomic-embed-text", List.of("first", "zweite"),
                256, null), LOCAL);

        assertThat(up.uri()).hasToString("http://127.0.0.1:11434/api/embed");
        assertThat(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"model\":\"nomic-embed-text\",\"input\":[\"first\",\"zweite\"],\"dimensions\":256}");
    }

    private static ChatRequest request(List<ChatMessage> messages, boolean stream) {
        return new ChatRequest("llama3.2", messages, null, null, null, null, null, null, null, null, null, null,
                stream, null, false);
    }

    private static ChatRequest withTools(List<Tool> tools, ToolChoice choice, boolean drop) {
        return new ChatRequest("llama3.2", List.of(ChatMessage.text(Role.USER, "Weather?")), tools, choice, null,
                null, null, null, null, null, null, null, false, null, drop);
    }

    private static ChatMessage tool(String callId, String text) {
        return new ChatMessage(Role.TOOL, List.of(new ContentPart.Text(text)), null, callId, null, false);
    }

    private Map<String, Object> encode(ChatRequest r) {
        return body(ollama.chat(r, LOCAL));
    }

    private static Map<String, Object> body(UpstreamRequest up) {
        return Json.parseObject(new String(up.body(), StandardCharsets.UTF_8));
    }
}
