package dev.keyway.spi.ai.wire;

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

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** OpenAI Chat Completions and Embeddings requests, read (validated) and written; see {@link OpenAiWire}. */
final class OpenAiRequests {
    private static final Set<String> CHAT_FIELDS = Set.of("model", "messages", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "n", "stop", "stream", "stream_options", "tools", "tool_choice", "seed", "user",
            "response_format");
    private static final Set<String> EMBEDDING_FIELDS = Set.of("model", "input", "dimensions", "encoding_format",
            "user");
    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> DETAILS = Set.of("auto", "low", "high");
    private static final int MAX_STOP = 4;
    private static final int MAX_EMBEDDING_INPUTS = 2048;

    private OpenAiRequests() {
    }

    /** See {@link OpenAiWire#decodeRequest}. */
    static OpenAiWire.Decoded decode(Map<String, Object> body, boolean dropUnsupported) {
        if (body == null) {
            throw new InvalidRequestException(null, "the body must be a JSON object");
        }
        String model = required(string(body.get("model"), "model"), "model");
        List<Object> raw = required(array(body.get("messages"), "messages"), "messages");
        if (raw.isEmpty()) {
            throw invalid("messages", "expected at least one message");
        }
        List<ChatMessage> messages = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            messages.add(message(raw.get(i), "messages[" + i + "]"));
        }
        Long n = integer(body.get("n"), "n");
        if (n != null && n != 1) {
            throw new InvalidRequestException("n", "only n=1 is supported");
        }
        Integer legacyMax = positiveInt(body.get("max_tokens"), "max_tokens");
        Integer max = positiveInt(body.get("max_completion_tokens"), "max_completion_tokens");
        boolean stream = Boolean.TRUE.equals(bool(body.get("stream"), "stream"));
        Map<String, Object> streamOptions = object(body.get("stream_options"), "stream_options");
        if (streamOptions != null && !stream) {
            throw invalid("stream_options", "allowed only when stream is true");
        }
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(
                bool(streamOptions.get("include_usage"), "stream_options.include_usage"));
        List<Tool> tools = tools(body.get("tools"));
        Map<String, Object> extra = new LinkedHashMap<>();
        body.forEach((key, value) -> {
            if (value != null && !CHAT_FIELDS.contains(key)) {
                extra.put(key, value);
            }
        });
        ChatRequest request = new ChatRequest(model, messages, tools, toolChoice(body.get("tool_choice"), tools),
                number(body.get("temperature"), "temperature", 2), number(body.get("top_p"), "top_p", 1), null,
                max != null ? max : legacyMax, stop(body.get("stop")), integer(body.get("seed"), "seed"),
                string(body.get("user"), "user"), object(body.get("response_format"), "response_format"), stream,
                extra, dropUnsupported);
        return new OpenAiWire.Decoded(request, includeUsage);
    }

    /** See {@link OpenAiWire#encodeRequest}. */
    static Map<String, Object> encode(ChatRequest r, String provider, boolean passExtra) {
        boolean openAi = "openai".equals(provider);
        boolean mistral = "mistral".equals(provider);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", r.model());
        out.put("messages", r.messages().stream().map(m -> encodeMessage(m, openAi)).toList());
        if (!r.tools().isEmpty()) {
            out.put("tools", r.tools().stream().map(OpenAiRequests::encodeTool).toList());
        }
        if (r.toolChoice() != null) {
            out.put("tool_choice", encodeToolChoice(r.toolChoice()));
        }
        putIfSet(out, "temperature", r.temperature());
        putIfSet(out, "top_p", r.topP());
        if (r.topK() != null) {
            refuse(r, "top_k", provider);
        }
        putIfSet(out, openAi ? "max_completion_tokens" : "max_tokens", r.maxTokens());
        if (!r.stop().isEmpty()) {
            out.put("stop", r.stop());
        }
        putIfSet(out, mistral ? "random_seed" : "seed", r.seed());
        if (r.user() != null) {
            if (mistral) {
                refuse(r, "user", provider);
            } else {
                out.put("user", r.user());
            }
        }
        putIfSet(out, "response_format", r.responseFormat());
        if (r.stream()) {
            out.put("stream", true);
            if (!mistral) {
                out.put("stream_options", Map.of("include_usage", true));
            }
        }
        for (Map.Entry<String, Object> e : new TreeMap<>(r.extra()).entrySet()) {
            if (passExtra) {
                out.putIfAbsent(e.getKey(), e.getValue());
            } else {
                refuse(r, e.getKey(), provider);
            }
        }
        return out;
    }

    /** See {@link OpenAiWire#decodeEmbeddingsRequest}. */
    static EmbeddingRequest decodeEmbeddings(Map<String, Object> body) {
        if (body == null) {
            throw new InvalidRequestException(null, "the body must be a JSON object");
        }
        for (Map.Entry<String, Object> e : body.entrySet()) {
            if (e.getValue() != null && !EMBEDDING_FIELDS.contains(e.getKey())) {
                throw invalid(e.getKey(), "unknown parameter");
            }
        }
        String model = required(string(body.get("model"), "model"), "model");
        Object input = required(body.get("input"), "input");
        List<String> inputs = new ArrayList<>();
        if (input instanceof String s) {
            inputs.add(s);
        } else if (input instanceof List<?> list && !list.isEmpty() && list.size() <= MAX_EMBEDDING_INPUTS) {
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String s)) {
                    throw invalid("input[" + i + "]", "expected a string (token arrays are not supported)");
                }
                inputs.add(s);
            }
        } else {
            throw invalid("input", "expected a string or an array of 1 to " + MAX_EMBEDDING_INPUTS + " strings");
        }
        String format = string(body.get("encoding_format"), "encoding_format");
        if (format != null && !format.equals("float")) {
            throw new InvalidRequestException("encoding_format", "encoding_format: only float is supported");
        }
        return new EmbeddingRequest(model, inputs, positiveInt(body.get("dimensions"), "dimensions"),
                string(body.get("user"), "user"));
    }

    /** See {@link OpenAiWire#encodeEmbeddingsRequest}. */
    static Map<String, Object> encodeEmbeddings(EmbeddingRequest r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", r.model());
        out.put("input", r.input());
        putIfSet(out, "dimensions", r.dimensions());
        putIfSet(out, "user", r.user());
        return out;
    }

    private static ChatMessage message(Object raw, String path) {
        Map<String, Object> m = required(object(raw, path), path);
        Role role = switch (required(string(m.get("role"), path + ".role"), path + ".role")) {
            case "system" -> Role.SYSTEM;
            case "developer" -> Role.DEVELOPER;
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            case "tool" -> Role.TOOL;
            default -> throw invalid(path + ".role", "expected system, developer, user, assistant or tool");
        };
        List<ToolCall> calls = List.of();
        if (m.get("tool_calls") != null) {
            if (role != Role.ASSISTANT) {
                throw invalid(path + ".tool_calls", "allowed in assistant messages only");
            }
            calls = requestToolCalls(m.get("tool_calls"), path + ".tool_calls");
        }
        List<ContentPart> content = List.of();
        Object rawContent = m.get("content");
        if (rawContent != null) {
            content = content(rawContent, path + ".content", role == Role.USER, !calls.isEmpty());
        } else if (role != Role.ASSISTANT || calls.isEmpty()) {
            throw invalid(path + ".content",
                    role == Role.ASSISTANT ? "required unless tool_calls are given" : "required");
        }
        String toolCallId = null;
        if (role == Role.TOOL) {
            toolCallId = required(string(m.get("tool_call_id"), path + ".tool_call_id"), path + ".tool_call_id");
        }
        return new ChatMessage(role, content, calls, toolCallId, string(m.get("name"), path + ".name"), false);
    }

    private static List<ContentPart> content(Object raw, String path, boolean imagesAllowed, boolean mayBeEmpty) {
        if (raw instanceof String s) {
            return List.of(new ContentPart.Text(s));
        }
        List<Object> list = array(raw, path, "expected a string or an array of content parts");
        if (list.isEmpty() && !mayBeEmpty) {
            throw invalid(path, "expected at least one content part");
        }
        List<ContentPart> parts = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String p = path + "[" + i + "]";
            Map<String, Object> part = required(object(list.get(i), p), p);
            String type = required(string(part.get("type"), p + ".type"), p + ".type");
            if (type.equals("text")) {
                parts.add(new ContentPart.Text(required(string(part.get("text"), p + ".text"), p + ".text")));
            } else if (type.equals("image_url") && imagesAllowed) {
                parts.add(image(required(object(part.get("image_url"), p + ".image_url"), p + ".image_url"), p));
            } else {
                throw invalid(p + ".type", imagesAllowed ? "expected text or image_url" : "expected text");
            }
        }
        return parts;
    }

    private static ContentPart.Image image(Map<String, Object> image, String p) {
        String url = required(string(image.get("url"), p + ".image_url.url"), p + ".image_url.url");
        boolean remote = url.startsWith("https://") || url.startsWith("http://");
        if (!remote && !(url.startsWith("data:") && url.contains(";base64,"))) {
            throw invalid(p + ".image_url.url", "expected an http(s) URL or a base64 data: URL");
        }
        String detail = string(image.get("detail"), p + ".image_url.detail");
        if (detail != null && !DETAILS.contains(detail)) {
            throw invalid(p + ".image_url.detail", "expected auto, low or high");
        }
        return new ContentPart.Image(url, null, null, detail);
    }

    private static List<ToolCall> requestToolCalls(Object raw, String path) {
        List<Object> list = array(raw, path, "expected an array of tool calls");
        List<ToolCall> calls = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String p = path + "[" + i + "]";
            Map<String, Object> call = required(object(list.get(i), p), p);
            String type = string(call.get("type"), p + ".type");
            if (type != null && !type.equals("function")) {
                throw invalid(p + ".type", "expected function");
            }
            String id = required(string(call.get("id"), p + ".id"), p + ".id");
            Map<String, Object> fn = required(object(call.get("function"), p + ".function"), p + ".function");
            String name = required(string(fn.get("name"), p + ".function.name"), p + ".function.name");
            String args = required(string(fn.get("arguments"), p + ".function.arguments"), p + ".function.arguments");
            calls.add(new ToolCall(id, name, args));
        }
        return calls;
    }

    private static List<Tool> tools(Object raw) {
        List<Object> list = array(raw, "tools", "expected an array of tools");
        if (list == null) {
            return List.of();
        }
        List<Tool> tools = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String p = "tools[" + i + "]";
            Map<String, Object> tool = required(object(list.get(i), p), p);
            if (!"function".equals(required(string(tool.get("type"), p + ".type"), p + ".type"))) {
                throw invalid(p + ".type", "expected function");
            }
            Map<String, Object> fn = required(object(tool.get("function"), p + ".function"), p + ".function");
            String name = required(string(fn.get("name"), p + ".function.name"), p + ".function.name");
            if (!TOOL_NAME.matcher(name).matches()) {
                throw invalid(p + ".function.name", "expected 1 to 64 letters, digits, '_' or '-'");
            }
            tools.add(new Tool(name, string(fn.get("description"), p + ".function.description"),
                    object(fn.get("parameters"), p + ".function.parameters"),
                    bool(fn.get("strict"), p + ".function.strict")));
        }
        return tools;
    }

    private static ToolChoice toolChoice(Object raw, List<Tool> tools) {
        if (raw == null) {
            return null;
        }
        ToolChoice.Mode mode = switch (raw instanceof String s ? s : "") {
            case "auto" -> ToolChoice.Mode.AUTO;
            case "none" -> ToolChoice.Mode.NONE;
            case "required" -> ToolChoice.Mode.REQUIRED;
            default -> null;
        };
        if (mode != null) {
            return new ToolChoice(mode, null);
        }
        if (raw instanceof Map<?, ?> m && "function".equals(m.get("type"))) {
            Map<String, Object> fn = required(object(m.get("function"), "tool_choice.function"),
                    "tool_choice.function");
            String name = required(string(fn.get("name"), "tool_choice.function.name"), "tool_choice.function.name");
            if (tools.stream().noneMatch(t -> t.name().equals(name))) {
                throw invalid("tool_choice.function.name", "names no tool in tools");
            }
            return new ToolChoice(ToolChoice.Mode.TOOL, name);
        }
        throw invalid("tool_choice", "expected auto, none, required or {type:function, function:{name}}");
    }

    private static List<String> stop(Object raw) {
        if (raw == null) {
            return List.of();
        }
        if (raw instanceof String s) {
            return List.of(s);
        }
        if (raw instanceof List<?> list && list.size() <= MAX_STOP
                && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw invalid("stop", "expected a string or an array of up to " + MAX_STOP + " strings");
    }

    private static Map<String, Object> encodeMessage(ChatMessage m, boolean openAi) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", switch (m.role()) {
            case SYSTEM -> "system";
            case DEVELOPER -> openAi ? "developer" : "system";
            case USER -> "user";
            case ASSISTANT -> "assistant";
            case TOOL -> "tool";
        });
        List<ContentPart> parts = m.content();
        if (parts.isEmpty()) {
            out.put("content", m.role() == Role.ASSISTANT ? null : "");
        } else if (parts.size() == 1 && parts.getFirst() instanceof ContentPart.Text t) {
            out.put("content", t.text());
        } else {
            out.put("content", parts.stream().map(OpenAiRequests::encodePart).toList());
        }
        putIfSet(out, "name", m.name());
        if (!m.toolCalls().isEmpty()) {
            out.put("tool_calls", m.toolCalls().stream().map(OpenAiRequests::encodeToolCall).toList());
        }
        if (m.role() == Role.TOOL) {
            out.put("tool_call_id", m.toolCallId());
        }
        return out;
    }

    private static Map<String, Object> encodePart(ContentPart part) {
        return switch (part) {
            case ContentPart.Text t -> ordered("type", "text", "text", t.text());
            case ContentPart.Image i -> {
                Map<String, Object> image = new LinkedHashMap<>();
                image.put("url", i.url() != null ? i.url() : "data:" + i.mediaType() + ";base64," + i.data());
                putIfSet(image, "detail", i.detail());
                yield ordered("type", "image_url", "image_url", image);
            }
        };
    }

    static Map<String, Object> encodeToolCall(ToolCall c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", c.id());
        out.put("type", "function");
        out.put("function", ordered("name", c.name(), "arguments", c.arguments()));
        return out;
    }

    private static Map<String, Object> encodeTool(Tool t) {
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", t.name());
        putIfSet(fn, "description", t.description());
        putIfSet(fn, "parameters", t.parameters());
        putIfSet(fn, "strict", t.strict());
        return ordered("type", "function", "function", fn);
    }

    private static Object encodeToolChoice(ToolChoice c) {
        return switch (c.mode()) {
            case AUTO -> "auto";
            case NONE -> "none";
            case REQUIRED -> "required";
            case TOOL -> ordered("type", "function", "function", Map.of("name", c.name()));
        };
    }

    private static void refuse(ChatRequest r, String param, String provider) {
        if (!r.dropUnsupported()) {
            throw new UnsupportedParameterException(param, provider);
        }
    }

    /** A map keeping the order its keys are given in, as OpenAI writes them (null values kept). */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }

    static void putIfSet(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    private static InvalidRequestException invalid(String param, String expected) {
        return new InvalidRequestException(param, param + ": " + expected);
    }

    private static <T> T required(T value, String param) {
        if (value == null) {
            throw invalid(param, "required");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String param) {
        if (v == null || v instanceof Map) {
            return (Map<String, Object>) v;
        }
        throw invalid(param, "expected an object");
    }

    private static List<Object> array(Object v, String param) {
        return array(v, param, "expected an array");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object v, String param, String expected) {
        if (v == null || v instanceof List) {
            return (List<Object>) v;
        }
        throw invalid(param, expected);
    }

    private static String string(Object v, String param) {
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw invalid(param, "expected a string");
    }

    private static Boolean bool(Object v, String param) {
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw invalid(param, "expected true or false");
    }

    private static Double number(Object v, String param, int max) {
        if (v == null) {
            return null;
        }
        double d = v instanceof Number n ? n.doubleValue() : Double.NaN;
        if (!(d >= 0 && d <= max)) {
            throw invalid(param, "expected a number from 0 to " + max);
        }
        return d;
    }

    private static Long integer(Object v, String param) {
        if (v == null || v instanceof Long) {
            return (Long) v;
        }
        // 100.0 and 1e2 are integers too; the precision check keeps 1e999999999 from being expanded.
        if (v instanceof BigDecimal d && d.precision() - d.scale() <= 19) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException notIntegral) {
                // falls through
            }
        }
        throw invalid(param, "expected an integer");
    }

    private static Integer positiveInt(Object v, String param) {
        if (v == null) {
            return null;
        }
        long l = v instanceof Number ? integer(v, param) : 0;
        if (l < 1 || l > Integer.MAX_VALUE) {
            throw invalid(param, "expected a positive integer");
        }
        return (int) l;
    }
}
