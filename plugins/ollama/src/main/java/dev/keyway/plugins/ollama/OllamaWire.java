package dev.keyway.plugins.ollama;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.ToolChoice;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The neutral request as an Ollama {@code /api/chat} body, and embeddings as an {@code /api/embed} body. Answers,
 * errors and embeddings read back in {@link OllamaAnswers}, streams in {@link OllamaStream}. Parameter paths in errors
 * are the neutral (OpenAI-style) ones; messages never echo values.
 */
final class OllamaWire {
    static final String PROVIDER = "ollama";

    private OllamaWire() {
    }

    /**
     * Writes the request body, {@code stream} always explicit (Ollama streams by default). Developer messages are
     * sent as system messages; images as base64 only (Ollama fetches no URLs); tool results name their tool (found by
     * the call id in earlier assistant messages). Tool choice {@code none} sends no tools (what it means); a required
     * or named tool cannot be expressed. Response formats: {@code json_object} is {@code format: "json"}, a
     * {@code json_schema}'s schema is {@code format} itself.
     *
     * @param numCtx the context window to load the model with, or null for Ollama's default
     * @throws UnsupportedParameterException for user, tool_choice required or named, other response formats, and
     *                                       extras (unless the caller opted into dropping)
     * @throws InvalidRequestException       for what Ollama cannot express
     */
    static Map<String, Object> encodeRequest(ChatRequest r, Integer numCtx) {
        if (r.user() != null) {
            refuse(r, "user");
        }
        if (!r.extra().isEmpty()) {
            refuse(r, new TreeSet<>(r.extra().keySet()).first());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", r.model());
        List<Object> messages = new ArrayList<>();
        for (int i = 0; i < r.messages().size(); i++) {
            messages.add(message(r.messages(), i));
        }
        if (messages.isEmpty()) {
            throw invalid("messages", "empty", "at least one message");
        }
        body.put("messages", messages);
        body.put("stream", r.stream());
        ToolChoice.Mode choice = r.toolChoice() == null ? ToolChoice.Mode.AUTO : r.toolChoice().mode();
        if (choice == ToolChoice.Mode.REQUIRED || choice == ToolChoice.Mode.TOOL) {
            refuse(r, "tool_choice");
        }
        if (!r.tools().isEmpty() && choice != ToolChoice.Mode.NONE) {
            List<Object> tools = new ArrayList<>();
            for (Tool t : r.tools()) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", t.name());
                putIfSet(fn, "description", t.description());
                fn.put("parameters", t.parameters() != null ? t.parameters() : noParameters());
                Map<String, Object> tool = new LinkedHashMap<>();
                tool.put("type", "function");
                tool.put("function", fn);
                tools.add(tool);
            }
            body.put("tools", tools);
        }
        if (r.responseFormat() != null) {
            Object type = r.responseFormat().get("type");
            Object schema = r.responseFormat().get("json_schema") instanceof Map<?, ?> js ? js.get("schema") : null;
            if ("json_object".equals(type)) {
                body.put("format", "json");
            } else if ("json_schema".equals(type) && schema instanceof Map) {
                body.put("format", schema);
            } else if (!"text".equals(type)) {
                refuse(r, "response_format");
            }
        }
        Map<String, Object> options = new LinkedHashMap<>();
        putIfSet(options, "temperature", r.temperature());
        putIfSet(options, "top_p", r.topP());
        putIfSet(options, "top_k", r.topK());
        putIfSet(options, "num_predict", r.maxTokens());
        if (!r.stop().isEmpty()) {
            options.put("stop", r.stop());
        }
        putIfSet(options, "seed", r.seed());
        putIfSet(options, "num_ctx", numCtx);
        if (!options.isEmpty()) {
            body.put("options", options);
        }
        return body;
    }

    /** Embeddings as one {@code /api/embed} body: all inputs at once. */
    static Map<String, Object> encodeEmbeddings(EmbeddingRequest r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", r.model());
        body.put("input", r.input());
        putIfSet(body, "dimensions", r.dimensions());
        return body;
    }

    private static Map<String, Object> message(List<ChatMessage> all, int i) {
        ChatMessage m = all.get(i);
        String p = "messages[" + i + "]";
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", switch (m.role()) {
            case SYSTEM, DEVELOPER -> "system";
            case USER -> "user";
            case ASSISTANT -> "assistant";
            case TOOL -> "tool";
        });
        out.put("content", m.text());
        List<Object> images = new ArrayList<>();
        for (int j = 0; j < m.content().size(); j++) {
            if (m.content().get(j) instanceof ContentPart.Image image) {
                String q = p + ".content[" + j + "].image_url";
                if (m.role() == Role.SYSTEM || m.role() == Role.DEVELOPER) {
                    throw invalid(p + ".content", "an image in a system message", "text only");
                }
                ContentPart.Image inline = image.inline();
                if (inline == null) {
                    throw invalid(q, "an image URL: ollama takes base64 images only",
                            "a base64 data: URL or base64 image data");
                }
                images.add(inline.data());
            }
        }
        if (!images.isEmpty()) {
            out.put("images", images);
        }
        if (!m.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (int j = 0; j < m.toolCalls().size(); j++) {
                ToolCall c = m.toolCalls().get(j);
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", c.name());
                fn.put("arguments", arguments(c.arguments(), p + ".tool_calls[" + j + "].function.arguments"));
                calls.add(Map.of("function", fn));
            }
            out.put("tool_calls", calls);
        }
        if (m.role() == Role.TOOL) {
            String name = toolName(all, i);
            if (name != null) {
                out.put("tool_name", name);
            }
        }
        return out;
    }

    /** The tool a result answers: the nearest earlier call with its id, else the message's own name, else null. */
    private static String toolName(List<ChatMessage> all, int i) {
        String id = all.get(i).toolCallId();
        for (int k = i - 1; id != null && k >= 0; k--) {
            if (all.get(k).role() == Role.ASSISTANT) {
                for (ToolCall c : all.get(k).toolCalls()) {
                    if (id.equals(c.id())) {
                        return c.name();
                    }
                }
            }
        }
        return all.get(i).name();
    }

    private static Map<String, Object> arguments(String json, String p) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (Json.ParseException notJson) {
            parsed = null;
        }
        if (parsed instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) map;
            return object;
        }
        throw invalid(p, "not a JSON object", "the arguments as JSON object text");
    }

    /** The schema of a tool that takes no parameters. */
    private static Map<String, Object> noParameters() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", Map.of());
        return schema;
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
