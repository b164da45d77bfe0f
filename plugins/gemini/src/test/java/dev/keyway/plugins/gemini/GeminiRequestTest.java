package dev.keyway.plugins.gemini;

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

class GeminiRequestTest {
    private static final String SECRET = "AIzaSyD-secret-0123456789abcdefghijklmno";
    private static final Deployment DEPLOYMENT = new Deployment("gem-1", "gemini",
            "https://generativelanguage.googleapis.com/v1beta/", "gemini-2.5-flash", SECRET, Map.of());
    private static final Map<String, Object> WEATHER_SCHEMA = Map.of("type", "object",
            "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));

    private final Gemini gemini = new Gemini();

    @Test
    void sendsTheCredentialOnlyInItsHeaderToTheModelsGenerateContent() {
        UpstreamRequest up = gemini.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), false), DEPLOYMENT);

        assertThat(up.method()).isEqualTo("POST");
        assertThat(up.uri()).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(up.headers()).containsEntry("x-goog-api-key", SECRET)
                .containsEntry("Content-Type", "application/json").containsEntry("Accept", "application/json");
        assertThat(up.headers().entrySet()).filteredOn(e -> e.getValue().contains(SECRET)).hasSize(1);
        assertThat(up.uri().toString()).doesNotContain(SECRET);
        assertThat(new String(up.body(), StandardCharsets.UTF_8)).doesNotContain(SECRET);
        assertThat(up.toString()).doesNotContain(SECRET);
    }

    @Test
    void streamsWithServerSentEventsFromStreamGenerateContent() {
        UpstreamRequest up = gemini.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), true), DEPLOYMENT);

        assertThat(up.uri()).hasToString("https://generativelanguage.googleapis.com/v1beta/models/"
                + "gemini-2.5-flash:streamGenerateContent?alt=sse");
        assertThat(up.headers()).containsEntry("Accept", "text/event-stream");
        assertThat(body(up)).doesNotContainKey("stream");
    }

    @Test
    void namesTheModelAsAResourceAndEncodesItInThePath() {
        ChatRequest r = request(List.of(ChatMessage.text(Role.USER, "Hi")), false);

        assertThat(gemini.chat(r.withModel("models/gemini-2.0-flash"), DEPLOYMENT).uri().getPath())
                .isEqualTo("/v1beta/models/gemini-2.0-flash:generateContent");
        assertThat(gemini.chat(r.withModel("tunedModels/my-model-1"), DEPLOYMENT).uri().getPath())
                .isEqualTo("/v1beta/tunedModels/my-model-1:generateContent");
        assertThat(gemini.chat(r.withModel("odd model?x"), DEPLOYMENT).uri().getRawPath())
                .isEqualTo("/v1beta/models/odd%20model%3Fx:generateContent");
    }

    @Test
    void sendsNoKeyHeaderWithoutACredential() {
        Deployment keyless = new Deployment("gem-2", "gemini", "http://localhost:8080/v1beta", "gemini-2.5-flash",
                null, Map.of());

        assertThat(gemini.chat(request(List.of(ChatMessage.text(Role.USER, "Hi")), false), keyless).headers())
                .doesNotContainKey("x-goog-api-key");
    }

    @Test
    void putsSystemAndDeveloperMessagesIntoTheSystemInstructionAndMergesTurnsOfOneRole() {
        Map<String, Object> body = encode(request(List.of(
                ChatMessage.text(Role.SYSTEM, "Be brief."),
                ChatMessage.text(Role.USER, "Hi"),
                ChatMessage.text(Role.DEVELOPER, "Answer in German."),
                ChatMessage.text(Role.USER, "How are you?"),
                ChatMessage.text(Role.ASSISTANT, "Gut."),
                ChatMessage.text(Role.ASSISTANT, ""),
                ChatMessage.text(Role.ASSISTANT, "Und dir?")), false));

        assertThat(Json.write(body.get("systemInstruction")))
                .isEqualTo("{\"parts\":[{\"text\":\"Be brief.\"},{\"text\":\"Answer in German.\"}]}");
        assertThat(Json.write(body.get("contents"))).isEqualTo("[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"},"
                + "{\"text\":\"How are you?\"}]},{\"role\":\"model\",\"parts\":[{\"text\":\"Gut.\"},"
                + "{\"text\":\"Und dir?\"}]}]");
    }

    @Test
    void replaysToolCallsAndAnswersToolResultsByTheCalledFunctionsName() {
        ChatMessage calls = new ChatMessage(Role.ASSISTANT, List.of(new ContentPart.Text("")), List.of(
                new ToolCall("call_0", "get_weather", "{\"city\":\"Zürich\"}"),
                new ToolCall("call_1", "get_time", "")), null, null, false);
        ChatMessage laterCalls = new ChatMessage(Role.ASSISTANT, List.of(), List.of(
                new ToolCall("call_0", "get_news", "{}")), null, null, false);
        Map<String, Object> body = encode(request(List.of(
                ChatMessage.text(Role.USER, "Weather and time in Zürich?"),
                calls,
                tool("call_0", "{\"temp_c\":21,\"sky\":\"sunny\"}", false),
                tool("call_1", "14:05", false),
                ChatMessage.text(Role.USER, "And the news?"),
                laterCalls,
                tool("call_0", "{\"error\":\"feed down\"}", true)), false));

        assertThat(Json.write(body.get("contents"))).isEqualTo("["
                + "{\"role\":\"user\",\"parts\":[{\"text\":\"Weather and time in Zürich?\"}]},"
                + "{\"role\":\"model\",\"parts\":["
                + "{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Zürich\"}},"
                + "\"thoughtSignature\":\"skip_thought_signature_validator\"},"
                + "{\"functionCall\":{\"name\":\"get_time\",\"args\":{}},"
                + "\"thoughtSignature\":\"skip_thought_signature_validator\"}]},"
                + "{\"role\":\"user\",\"parts\":["
                + "{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"temp_c\":21,\"sky\":\"sunny\"}}},"
                + "{\"functionResponse\":{\"name\":\"get_time\",\"response\":{\"result\":\"14:05\"}}},"
                + "{\"text\":\"And the news?\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_news\",\"args\":{}},"
                + "\"thoughtSignature\":\"skip_thought_signature_validator\"}]},"
                + "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_news\","
                + "\"response\":{\"error\":{\"error\":\"feed down\"}}}}]}]");
    }

    @Test
    void sendsNoThoughtSignatureWhenTheDeploymentSaysNone() {
        Deployment plain = new Deployment("gem-3", "gemini", "https://g.example/v1beta", "gemini-2.0-flash", SECRET,
                Map.of("thought-signature", "none"));
        ChatMessage calls = new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "{}")), null,
                null, false);

        UpstreamRequest up = gemini.chat(request(List.of(ChatMessage.text(Role.USER, "go"), calls,
                tool("c", "done", false)), false), plain);

        assertThat(new String(up.body(), StandardCharsets.UTF_8)).doesNotContain("thoughtSignature");
    }

    @Test
    void refusesAToolResultWhoseCallItCannotFind() {
        assertThatThrownBy(() -> encode(request(List.of(ChatMessage.text(Role.USER, "go"),
                tool("call_9", "x", false)), false)))
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).param()).isEqualTo("messages[1].tool_call_id"));
        ChatMessage named = new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("ok")), null, "call_9",
                "lookup", false);
        assertThat(Json.write(encode(request(List.of(ChatMessage.text(Role.USER, "go"), named), false))
                .get("contents"))).contains("{\"functionResponse\":{\"name\":\"lookup\"");
    }

    @Test
    void refusesArgumentsThatAreNotAJsonObject() {
        ChatMessage calls = new ChatMessage(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "{\"a\":")),
                null, null, false);

        assertThatThrownBy(() -> encode(request(List.of(ChatMessage.text(Role.USER, "go"), calls), false)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("not a JSON object")
                .satisfies(e -> assertThat(((InvalidRequestException) e).param())
                        .isEqualTo("messages[1].tool_calls[0].function.arguments"));
    }

    @Test
    void sendsImagesInlineOrAsFileUris() {
        ChatMessage user = new ChatMessage(Role.USER, List.of(new ContentPart.Text("Compare"),
                new ContentPart.Image(null, "image/png", "iVBORw0KGgo=", null),
                new ContentPart.Image("data:image/jpeg;base64,/9j/4AAQ", null, null, "high"),
                new ContentPart.Image("https://example.com/cat.WEBP?size=large", null, null, null),
                new ContentPart.Image("https://example.com/render", null, null, null)), null, null, null, false);

        assertThat(Json.write(encode(request(List.of(user), false)).get("contents"))).isEqualTo("[{\"role\":\"user\","
                + "\"parts\":[{\"text\":\"Compare\"},"
                + "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
                + "{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"/9j/4AAQ\"}},"
                + "{\"fileData\":{\"mimeType\":\"image/webp\",\"fileUri\":\"https://example.com/cat.WEBP?size=large\"}},"
                + "{\"fileData\":{\"fileUri\":\"https://example.com/render\"}}]}]");
    }

    @Test
    void refusesImagesItCannotSend() {
        ChatMessage ftp = new ChatMessage(Role.USER, List.of(new ContentPart.Image("ftp://x/cat.png", null, null,
                null)), null, null, null, false);
        ChatMessage system = new ChatMessage(Role.SYSTEM, List.of(new ContentPart.Image(null, "image/png", "AA==",
                null)), null, null, null, false);
        ChatMessage assistant = new ChatMessage(Role.ASSISTANT, List.of(new ContentPart.Image(null, "image/png",
                "AA==", null)), null, null, null, false);

        assertThatThrownBy(() -> encode(request(List.of(ftp), false))).isInstanceOf(InvalidRequestException.class)
                .hasMessage("messages[0].content[0].image_url: an image URL gemini cannot fetch "
                        + "(expected: an http(s) URL or a base64 data: URL)");
        assertThatThrownBy(() -> encode(request(List.of(system, ChatMessage.text(Role.USER, "x")), false)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("messages[0].content");
        assertThatThrownBy(() -> encode(request(List.of(ChatMessage.text(Role.USER, "x"), assistant), false)))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("messages[1].content[0]");
    }

    @Test
    void refusesAConversationWithoutContent() {
        assertThatThrownBy(() -> encode(request(List.of(ChatMessage.text(Role.SYSTEM, "Be brief."),
                ChatMessage.text(Role.USER, "")), false)))
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).param()).isEqualTo("messages"));
    }

    @Test
    void declaresToolsAndMapsTheToolChoice() {
        List<Tool> tools = List.of(new Tool("get_weather", "Current weather", WEATHER_SCHEMA),
                new Tool("get_time", null, Map.of("type", "object", "properties", Map.of())));
        ChatRequest base = new ChatRequest("gemini-2.5-flash", List.of(ChatMessage.text(Role.USER, "Hi")), tools,
                null, null, null, null, null, null, null, null, null, false, null, false);

        Map<String, Object> body = encode(base);
        assertThat(Json.write(body.get("tools"))).isEqualTo("[{\"functionDeclarations\":["
                + "{\"name\":\"get_weather\",\"description\":\"Current weather\",\"parameters\":"
                + Json.write(WEATHER_SCHEMA) + "},{\"name\":\"get_time\"}]}]");
        assertThat(body).doesNotContainKey("toolConfig");
        assertThat(Json.write(encode(withChoice(base, new ToolChoice(ToolChoice.Mode.AUTO, null)))
                .get("toolConfig"))).isEqualTo("{\"functionCallingConfig\":{\"mode\":\"AUTO\"}}");
        assertThat(Json.write(encode(withChoice(base, new ToolChoice(ToolChoice.Mode.NONE, null)))
                .get("toolConfig"))).isEqualTo("{\"functionCallingConfig\":{\"mode\":\"NONE\"}}");
        assertThat(Json.write(encode(withChoice(base, new ToolChoice(ToolChoice.Mode.REQUIRED, null)))
                .get("toolConfig"))).isEqualTo("{\"functionCallingConfig\":{\"mode\":\"ANY\"}}");
        assertThat(Json.write(encode(withChoice(base, new ToolChoice(ToolChoice.Mode.TOOL, "get_time")))
                .get("toolConfig"))).isEqualTo(
                        "{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"get_time\"]}}");
    }

    @Test
    void putsSamplingParametersIntoTheGenerationConfig() {
        ChatRequest r = new ChatRequest("gemini-2.5-flash", List.of(ChatMessage.text(Role.USER, "Hi")), null, null,
                0.7, 0.9, 40, 256, List.of("END", "STOP"), 42L, null, Map.of("type", "json_object"), false, null,
                false);

        assertThat(Json.write(encode(r).get("generationConfig"))).isEqualTo("{\"temperature\":0.7,\"topP\":0.9,"
                + "\"topK\":40,\"maxOutputTokens\":256,\"stopSequences\":[\"END\",\"STOP\"],\"seed\":42,"
                + "\"responseMimeType\":\"application/json\"}");
        assertThat(encode(request(List.of(ChatMessage.text(Role.USER, "Hi")), false)))
                .doesNotContainKey("generationConfig");
    }

    @Test
    void refusesASeedGeminiCannotTake() {
        ChatRequest r = new ChatRequest("m", List.of(ChatMessage.text(Role.USER, "Hi")), null, null, null, null,
                null, null, null, 1L << 40, null, null, false, null, false);

        assertThatThrownBy(() -> encode(r)).isInstanceOf(InvalidRequestException.class)
                .hasMessage("seed: out of range for gemini (expected: a 32-bit integer)");
    }

    @Test
    void refusesUnsupportedParametersUnlessTheCallerDropsThem() {
        List<ChatMessage> hi = List.of(ChatMessage.text(Role.USER, "Hi"));
        ChatRequest schema = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, null,
                Map.of("type", "json_schema", "json_schema", Map.of("name", "x", "schema", Map.of())), false, null,
                false);
        ChatRequest user = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, "user-42", null,
                false, null, false);
        ChatRequest extra = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, null, null,
                false, Map.of("presence_penalty", 0.5, "logprobs", true), false);

        assertThatThrownBy(() -> encode(schema)).isInstanceOf(UnsupportedParameterException.class)
                .hasMessageStartingWith("parameter 'response_format' is not supported by provider 'gemini'");
        assertThatThrownBy(() -> encode(user)).isInstanceOf(UnsupportedParameterException.class)
                .satisfies(e -> assertThat(((UnsupportedParameterException) e).param()).isEqualTo("user"));
        assertThatThrownBy(() -> encode(extra)).isInstanceOf(UnsupportedParameterException.class)
                .satisfies(e -> assertThat(((UnsupportedParameterException) e).param()).isEqualTo("logprobs"));

        ChatRequest dropped = new ChatRequest("m", hi, null, null, null, null, null, null, null, null, "user-42",
                schema.responseFormat(), false, extra.extra(), true);
        String json = Json.write(encode(dropped));
        assertThat(json).isEqualTo("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]}");
    }

    @Test
    void asksForOneEmbeddingPerInputInOneBatch() {
        UpstreamRequest up = gemini.embeddings(new EmbeddingRequest("gemini-embedding-001",
                List.of("first", "zweite"), 768, "user-1"), DEPLOYMENT);

        assertThat(up.uri()).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents");
        assertThat(up.headers()).containsEntry("x-goog-api-key", SECRET);
        assertThat(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo("{\"requests\":["
                + "{\"model\":\"models/gemini-embedding-001\",\"content\":{\"parts\":[{\"text\":\"first\"}]},"
                + "\"outputDimensionality\":768},"
                + "{\"model\":\"models/gemini-embedding-001\",\"content\":{\"parts\":[{\"text\":\"zweite\"}]},"
                + "\"outputDimensionality\":768}]}");
    }

    private static ChatRequest request(List<ChatMessage> messages, boolean stream) {
        return new ChatRequest("gemini-2.5-flash", messages, null, null, null, null, null, null, null, null, null,
                null, stream, null, false);
    }

    private static ChatRequest withChoice(ChatRequest r, ToolChoice choice) {
        return new ChatRequest(r.model(), r.messages(), r.tools(), choice, null, null, null, null, null, null, null,
                null, false, null, false);
    }

    private static ChatMessage tool(String callId, String text, boolean error) {
        return new ChatMessage(Role.TOOL, List.of(new ContentPart.Text(text)), null, callId, null, error);
    }

    private Map<String, Object> encode(ChatRequest r) {
        return body(gemini.chat(r, DEPLOYMENT));
    }

    private static Map<String, Object> body(UpstreamRequest up) {
        return Json.parseObject(new String(up.body(), StandardCharsets.UTF_8));
    }
}
