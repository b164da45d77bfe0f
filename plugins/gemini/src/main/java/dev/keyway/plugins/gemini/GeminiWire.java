package dev.keyway.plugins.gemini;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The neutral request as a Gemini {@code GenerateContentRequest} (and embeddings as a
 * {@code BatchEmbedContentsRequest}). Answers, errors and embeddings read back in {@link GeminiAnswers}, streams in
 * {@link GeminiStream}. Parameter paths in errors are the neutral (OpenAI-style) ones, e.g.
 * {@code messages[2].tool_calls[0].function.arguments}; messages never echo values.
 */
final class GeminiWire {
    static final String PROVIDER = "gemini";
    /** Google's documented thought signature for function calls it did not just produce (Gemini 3 requires one). */
    static final String SKIP_SIGNATURE = "skip_thought_signature_validator";

    private GeminiWire() {
    }

    /**
     * Writes the request body. System and developer messages, wherever they are, become {@code systemInstruction};
     * user and tool messages {@code user} turns, assistant messages {@code model} turns, consecutive turns of one role
     * merged; a tool message becomes a {@code functionResponse} named by the earlier call it answers.
     *
     * @param signature the {@code thoughtSignature} for replayed function calls, or null for none
     * @throws UnsupportedParameterException for user, response formats other than text and json_object, and extras
     *                                       (unless the caller opted into dropping)
     * @throws InvalidRequestException       for what Gemini cannot express
     */
    static Map<String, Object> encodeRequest(ChatRequest r, String signature) {
        if (r.user() != null) {
            refuse(r, "user");
        }
        if (!r.extra().isEmpty()) {
            refuse(r, new TreeSet<>(r.extra().keySet()).first());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        List<Object> system = new ArrayList<>();
        List<Map<String, Object>> contents = new ArrayList<>();
        for (int i = 0; i < r.messages().size(); i++) {
            ChatMessage m = r.messages().get(i);
            String p = "messages[" + i + "]";
            switch (m.role()) {
                case SYSTEM, DEVELOPER -> {
                    if (m.content().stream().anyMatch(c -> c instanceof ContentPart.Image)) {
                        throw invalid(p + ".content", "an image in a system message", "text only");
                    }
                    if (!m.text().isEmpty()) {
                        system.add(Map.of("text", m.text()));
                    }
                }
                case USER -> append(contents, "user", userParts(m, p));
                case ASSISTANT -> append(contents, "model", modelParts(m, p, signature));
                case TOOL -> append(contents, "user", List.of(functionResponse(r.messages(), i)));
            }
        }
        if (contents.isEmpty()) {
            throw invalid("messages", "no user or assistant content", "at least one non-empty user message");
        }
        body.put("contents", contents);
        if (!system.isEmpty()) {
            body.put("systemInstruction", Map.of("parts", system));
        }
        if (!r.tools().isEmpty()) {
            List<Object> declarations = new ArrayList<>();
            for (Tool t : r.tools()) {
                declarations.add(declaration(t));
            }
            body.put("tools", List.of(Map.of("functionDeclarations", declarations)));
        }
        if (r.toolChoice() != null) {
            Map<String, Object> calling = new LinkedHashMap<>();
            calling.put("mode", switch (r.toolChoice().mode()) {
                case AUTO -> "AUTO";
                case NONE -> "NONE";
                case REQUIRED, TOOL -> "ANY";
            });
            if (r.toolChoice().name() != null) {
                calling.put("allowedFunctionNames", List.of(r.toolChoice().name()));
            }
            body.put("toolConfig", Map.of("functionCallingConfig", calling));
        }
        Map<String, Object> config = generationConfig(r);
        if (!config.isEmpty()) {
            body.put("generationConfig", config);
        }
        return body;
    }

    /** Embeddings as one {@code batchEmbedContents} body: one request per input, in order. */
    static Map<String, Object> encodeEmbeddings(EmbeddingRequest r, String modelName) {
        List<Object> requests = new ArrayList<>();
        for (String text : r.input()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("model", modelName);
            one.put("content", Map.of("parts", List.of(Map.of("text", text))));
            if (r.dimensions() != null) {
                one.put("outputDimensionality", r.dimensions());
            }
            requests.add(one);
        }
        return Map.of("requests", requests);
    }

    private static Map<String, Object> generationConfig(ChatRequest r) {
        Map<String, Object> config = new LinkedHashMap<>();
        putIfSet(config, "temperature", r.temperature());
        putIfSet(config, "topP", r.topP());
        putIfSet(config, "topK", r.topK());
        putIfSet(config, "maxOutputTokens", r.maxTokens());
        if (!r.stop().isEmpty()) {
            config.put("stopSequences", r.stop());
        }
        if (r.seed() != null) {
            if (r.seed() < Integer.MIN_VALUE || r.seed() > Integer.MAX_VALUE) {
                throw invalid("seed", "out of range for gemini", "a 32-bit integer");
            }
            config.put("seed", r.seed());
        }
        if (r.responseFormat() != null) {
            Object type = r.responseFormat().get("type");
            if ("json_object".equals(type)) {
                config.put("responseMimeType", "application/json");
            } else if (!"text".equals(type)) {
                refuse(r, "response_format");
            }
        }
        return config;
    }

    private static List<Object> userParts(ChatMessage m, String p) {
        List<Object> parts = new ArrayList<>();
        for (int j = 0; j < m.content().size(); j++) {
            switch (m.content().get(j)) {
                case ContentPart.Text t when t.text().isEmpty() -> {
                    // Gemini refuses empty text parts.
                }
                case ContentPart.Text t -> parts.add(Map.of("text", t.text()));
                case ContentPart.Image image -> parts.add(imagePart(image, p + ".content[" + j + "].image_url"));
            }
        }
        return parts;
    }

    private static List<Object> modelParts(ChatMessage m, String p, String signature) {
        List<Object> parts = new ArrayList<>();
        for (int j = 0; j < m.content().size(); j++) {
            switch (m.content().get(j)) {
                case ContentPart.Text t when t.text().isEmpty() -> {
                    // OpenAI clients send "" beside tool calls; Gemini refuses empty text parts.
                }
                case ContentPart.Text t -> parts.add(Map.of("text", t.text()));
                case ContentPart.Image ignored -> throw invalid(p + ".content[" + j + "]",
                        "an image in an assistant message", "images in user messages only");
            }
        }
        for (int j = 0; j < m.toolCalls().size(); j++) {
            ToolCall c = m.toolCalls().get(j);
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("name", c.name());
            call.put("args", arguments(c.arguments(), p + ".tool_calls[" + j + "].function.arguments"));
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("functionCall", call);
            if (signature != null) {
                part.put("thoughtSignature", signature);
            }
            parts.add(part);
        }
        return parts;
    }

    /** A tool result as a {@code functionResponse}, named by the nearest earlier call with its id. */
    private static Map<String, Object> functionResponse(List<ChatMessage> messages, int i) {
        ChatMessage m = messages.get(i);
        String p = "messages[" + i + "]";
        if (m.content().stream().anyMatch(c -> c instanceof ContentPart.Image)) {
            throw invalid(p + ".content", "an image in a tool result", "text only");
        }
        if (m.toolCallId() == null) {
            throw invalid(p + ".tool_call_id", "missing", "the id of the tool call it answers");
        }
        String name = null;
        for (int k = i - 1; k >= 0 && name == null; k--) {
            if (messages.get(k).role() == Role.ASSISTANT) {
                for (ToolCall c : messages.get(k).toolCalls()) {
                    if (m.toolCallId().equals(c.id())) {
                        name = c.name();
                        break;
                    }
                }
            }
        }
        if (name == null) {
            name = m.name();
        }
        if (name == null) {
            throw invalid(p + ".tool_call_id", "no earlier assistant tool call has this id",
                    "the id of a tool call in an earlier assistant message");
        }
        String text = m.text();
        Object parsed = parseOrNull(text);
        Map<String, Object> response = new LinkedHashMap<>();
        if (m.toolError()) {
            response.put("error", parsed instanceof Map ? parsed : text);
        } else if (parsed instanceof Map<?, ?> object) {
            object.forEach((k, v) -> response.put((String) k, v));
        } else {
            response.put("result", text);
        }
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", name);
        fn.put("response", response);
        return Map.of("functionResponse", fn);
    }

    private static Map<String, Object> declaration(Tool t) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", t.name());
        putIfSet(d, "description", t.description());
        Map<String, Object> schema = t.parameters();
        boolean noParameters = schema == null || (schema.get("properties") instanceof Map<?, ?> props
                && props.isEmpty()) || (schema.get("properties") == null && "object".equals(schema.get("type")));
        if (!noParameters) {
            // Gemini refuses an object schema without properties ("should be non-empty for OBJECT type").
            d.put("parameters", schema);
        }
        return d;
    }

    /** An image as {@code inlineData} (base64, also from a data: URL) or {@code fileData} (an http(s) URL). */
    private static Map<String, Object> imagePart(ContentPart.Image image, String p) {
        ContentPart.Image inline = image.inline();
        if (inline != null) {
            if (inline.mediaType() == null || inline.mediaType().isEmpty()) {
                throw invalid(p, "an image without a media type", "a media type such as image/png");
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("mimeType", inline.mediaType());
            data.put("data", inline.data());
            return Map.of("inlineData", data);
        }
        String url = image.url();
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
            throw invalid(p, "an image URL gemini cannot fetch", "an http(s) URL or a base64 data: URL");
        }
        Map<String, Object> file = new LinkedHashMap<>();
        String type = imageType(lower);
        if (type != null) {
            file.put("mimeType", type);
        }
        file.put("fileUri", url);
        return Map.of("fileData", file);
    }

    /** The media type an image URL's file extension names, or null. */
    private static String imageType(String lowerUrl) {
        int end = lowerUrl.length();
        for (char c : new char[] {'?', '#'}) {
            int at = lowerUrl.indexOf(c);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String path = lowerUrl.substring(0, end);
        String ext = path.substring(path.lastIndexOf('.') + 1);
        return switch (ext) {
            case "png" -> "image/png";
            case "jpg", "jpeg" -> "image/jpeg";
            case "webp" -> "image/webp";
            case "gif" -> "image/gif";
            case "heic" -> "image/heic";
            case "heif" -> "image/heif";
            default -> null;
        };
    }

    private static Map<String, Object> arguments(String json, String p) {
        if (parseOrNull(json) instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) map;
            return object;
        }
        throw invalid(p, "not a JSON object", "the arguments as JSON object text");
    }

    private static Object parseOrNull(String text) {
        try {
            return Json.parse(text);
        } catch (Json.ParseException notJson) {
            return null;
        }
    }

    /** Adds parts to the last turn if it is {@code role}'s, else to a new turn; no parts, no turn. */
    @SuppressWarnings("unchecked")
    private static void append(List<Map<String, Object>> contents, String role, List<Object> parts) {
        if (parts.isEmpty()) {
            return; // a message without content (an assistant's "") is no turn: Gemini refuses empty ones
        }
        if (contents.isEmpty() || !role.equals(contents.getLast().get("role"))) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", role);
            turn.put("parts", new ArrayList<>());
            contents.add(turn);
        }
        ((List<Object>) contents.getLast().get("parts")).addAll(parts);
    }

    private static void refuse(ChatRequest r, String param) {
        if (!r.dropUnsupported()) {
            throw new UnsupportedParameterException(param, PROVIDER);
        }
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    static InvalidRequestException invalid(String param, String problem, String expected) {
        return new InvalidRequestException(param, param + ": " + problem + " (expected: " + expected + ")");
    }
}
