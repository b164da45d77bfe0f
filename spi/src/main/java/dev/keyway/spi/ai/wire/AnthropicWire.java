package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.ToolChoice;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The Anthropic Messages wire format, both ways: Keyway's inbound {@code /v1/messages} API (decode the caller's
 * request, encode the answer, its stream and errors) and the outbound call to Anthropic (encode the request,
 * decode the answer, its stream and errors). Values are {@link Json} values.
 *
 * <p>Stateless and thread-safe; the stream decoders and encoders it creates serve one call on one thread.
 * Validation failures are {@link InvalidRequestException}s naming the parameter path, never its value.
 */
public final class AnthropicWire {
    /** The provider name in {@link UnsupportedParameterException}s. */
    static final String PROVIDER = "anthropic";

    private static final Set<String> REQUEST_FIELDS = Set.of("model", "max_tokens", "system", "messages",
            "temperature", "top_p", "top_k", "stop_sequences", "stream", "tools", "tool_choice", "metadata");
    private static final String DROP_HINT = "leave it out, or send x-keyway-drop-params: true to drop it";

    private AnthropicWire() {
    }

    // ---------------------------------------------------------------- inbound request

    /**
     * Reads a Messages request sent to Keyway. The {@code system} prompt becomes one SYSTEM message first; a user
     * turn's {@code tool_result} blocks become one TOOL message each, followed by one USER message with the turn's
     * other blocks; top-level keys without a neutral field go to {@link ChatRequest#extra()} by wire name.
     * Thinking blocks, which no neutral field carries, are refused unless {@code dropUnsupported}.
     *
     * @throws InvalidRequestException naming the parameter path at fault
     */
    public static ChatRequest decodeRequest(Map<String, Object> body, boolean dropUnsupported) {
        Objects.requireNonNull(body, "body");
        String model = requiredString(body.get("model"), "model");
        Integer maxTokens = integer(body.get("max_tokens"), "max_tokens", 1);
        if (maxTokens == null) {
            throw invalid("max_tokens", "missing", "a positive integer");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (body.get("system") != null) {
            messages.add(new ChatMessage(Role.SYSTEM, textParts(body.get("system"), "system"), null, null, null,
                    false));
        }
        List<Object> wire = array(body.get("messages"), "messages");
        if (wire == null || wire.isEmpty()) {
            throw invalid("messages", "missing or empty", "an array of user and assistant messages");
        }
        for (int i = 0; i < wire.size(); i++) {
            decodeMessage(wire.get(i), "messages[" + i + "]", dropUnsupported, messages);
        }
        Map<String, Object> metadata = object(body.get("metadata"), "metadata");
        String user = metadata == null ? null : string(metadata.get("user_id"), "metadata.user_id");
        Map<String, Object> extra = new LinkedHashMap<>();
        body.forEach((key, value) -> {
            if (!REQUEST_FIELDS.contains(key) && value != null) {
                extra.put(key, value);
            }
        });
        return new ChatRequest(model, messages, tools(body.get("tools")),
                toolChoice(body.get("tool_choice"), dropUnsupported), fraction(body.get("temperature"), "temperature"),
                fraction(body.get("top_p"), "top_p"), integer(body.get("top_k"), "top_k", 0), maxTokens,
                strings(body.get("stop_sequences"), "stop_sequences"), null, user, null,
                Boolean.TRUE.equals(bool(body.get("stream"), "stream")), extra, dropUnsupported);
    }

    private static void decodeMessage(Object raw, String p, boolean drop, List<ChatMessage> out) {
        Map<String, Object> m = object(raw, p);
        if (m == null) {
            throw invalid(p, "missing", "a message object");
        }
        String role = requiredString(m.get("role"), p + ".role");
        boolean user = role.equals("user");
        if (!user && !role.equals("assistant")) {
            throw invalid(p + ".role", "not a Messages role", "user or assistant");
        }
        Object content = m.get("content");
        if (content instanceof String s) {
            out.add(ChatMessage.text(user ? Role.USER : Role.ASSISTANT, s));
            return;
        }
        List<Object> blocks = array(content, p + ".content");
        if (blocks == null) {
            throw invalid(p + ".content", "missing", "a string or an array of content blocks");
        }
        List<ContentPart> parts = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        List<ChatMessage> results = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String q = p + ".content[" + j + "]";
            Map<String, Object> b = object(blocks.get(j), q);
            if (b == null) {
                throw invalid(q, "missing", "a content block");
            }
            String type = requiredString(b.get("type"), q + ".type");
            switch (type) {
                case "text" -> parts.add(new ContentPart.Text(requiredString(b.get("text"), q + ".text")));
                case "image" -> {
                    if (!user) {
                        throw invalid(q + ".type", "an image in an assistant turn", "images in user turns only");
                    }
                    parts.add(imageSource(b.get("source"), q + ".source"));
                }
                case "tool_use" -> {
                    if (user) {
                        throw invalid(q + ".type", "tool_use in a user turn", "tool_use in assistant turns only");
                    }
                    Object input = b.get("input") == null ? Map.of() : b.get("input");
                    if (!(input instanceof Map)) {
                        throw invalid(q + ".input", "not an object", "the tool's input as a JSON object");
                    }
                    calls.add(new ToolCall(requiredString(b.get("id"), q + ".id"),
                            requiredString(b.get("name"), q + ".name"), Json.write(input)));
                }
                case "tool_result" -> {
                    if (!user) {
                        throw invalid(q + ".type", "tool_result in an assistant turn", "tool_result in user turns only");
                    }
                    results.add(new ChatMessage(Role.TOOL, toolResultContent(b.get("content"), q + ".content"), null,
                            requiredString(b.get("tool_use_id"), q + ".tool_use_id"), null,
                            Boolean.TRUE.equals(bool(b.get("is_error"), q + ".is_error"))));
                }
                case "thinking", "redacted_thinking" -> {
                    if (!drop) {
                        throw invalid(q + ".type", "thinking blocks cannot be carried to other providers", DROP_HINT);
                    }
                }
                default -> throw invalid(q + ".type", "unsupported content block type",
                        "text, image, tool_use or tool_result");
            }
        }
        if (user) {
            out.addAll(results);
            if (!parts.isEmpty() || results.isEmpty()) {
                out.add(new ChatMessage(Role.USER, parts, null, null, null, false));
            }
        } else {
            out.add(new ChatMessage(Role.ASSISTANT, parts, calls, null, null, false));
        }
    }

    /** A string, or text blocks, as text parts (the system prompt). */
    private static List<ContentPart> textParts(Object value, String p) {
        if (value instanceof String s) {
            return List.of(new ContentPart.Text(s));
        }
        List<Object> blocks = array(value, p);
        List<ContentPart> parts = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String q = p + "[" + j + "]";
            Map<String, Object> b = object(blocks.get(j), q);
            if (b == null || !"text".equals(b.get("type"))) {
                throw invalid(q + ".type", "not a text block", "text");
            }
            parts.add(new ContentPart.Text(requiredString(b.get("text"), q + ".text")));
        }
        return parts;
    }

    private static List<ContentPart> toolResultContent(Object value, String p) {
        if (value == null || value instanceof String) {
            return value == null ? List.of() : List.of(new ContentPart.Text((String) value));
        }
        List<Object> blocks = array(value, p);
        List<ContentPart> parts = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String q = p + "[" + j + "]";
            Map<String, Object> b = object(blocks.get(j), q);
            String type = b == null ? null : string(b.get("type"), q + ".type");
            if ("text".equals(type)) {
                parts.add(new ContentPart.Text(requiredString(b.get("text"), q + ".text")));
            } else if ("image".equals(type)) {
                parts.add(imageSource(b.get("source"), q + ".source"));
            } else {
                throw invalid(q + ".type", "unsupported tool result block", "text or image");
            }
        }
        return parts;
    }

    private static ContentPart.Image imageSource(Object value, String p) {
        Map<String, Object> s = object(value, p);
        if (s == null) {
            throw invalid(p, "missing", "an image source");
        }
        return switch (requiredString(s.get("type"), p + ".type")) {
            case "base64" -> new ContentPart.Image(null, requiredString(s.get("media_type"), p + ".media_type"),
                    requiredString(s.get("data"), p + ".data"), null);
            case "url" -> new ContentPart.Image(requiredString(s.get("url"), p + ".url"), null, null, null);
            default -> throw invalid(p + ".type", "unsupported image source", "base64 or url");
        };
    }

    private static List<Tool> tools(Object value) {
        List<Object> wire = array(value, "tools");
        List<Tool> tools = new ArrayList<>();
        for (int i = 0; wire != null && i < wire.size(); i++) {
            String p = "tools[" + i + "]";
            Map<String, Object> t = object(wire.get(i), p);
            if (t == null) {
                throw invalid(p, "missing", "a tool object");
            }
            String type = string(t.get("type"), p + ".type");
            if (type != null && !type.equals("custom")) {
                throw invalid(p + ".type", "server tools cannot be carried to other providers",
                        "client tools with name, description and input_schema");
            }
            tools.add(new Tool(requiredString(t.get("name"), p + ".name"),
                    string(t.get("description"), p + ".description"), object(t.get("input_schema"), p + ".input_schema")));
        }
        return tools;
    }

    private static ToolChoice toolChoice(Object value, boolean drop) {
        Map<String, Object> c = object(value, "tool_choice");
        if (c == null) {
            return null;
        }
        if (Boolean.TRUE.equals(bool(c.get("disable_parallel_tool_use"), "tool_choice.disable_parallel_tool_use"))
                && !drop) {
            throw invalid("tool_choice.disable_parallel_tool_use", "not carried by the gateway", DROP_HINT);
        }
        return switch (requiredString(c.get("type"), "tool_choice.type")) {
            case "auto" -> new ToolChoice(ToolChoice.Mode.AUTO, null);
            case "any" -> new ToolChoice(ToolChoice.Mode.REQUIRED, null);
            case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
            case "tool" -> new ToolChoice(ToolChoice.Mode.TOOL, requiredString(c.get("name"), "tool_choice.name"));
            default -> throw invalid("tool_choice.type", "unknown tool choice", "auto, any, tool or none");
        };
    }

    // ---------------------------------------------------------------- outbound request

    /**
     * Writes a neutral request as an Anthropic Messages body. System and developer messages become the top-level
     * {@code system} (joined with blank lines); tool messages become {@code tool_result} blocks in a user turn;
     * consecutive turns of one role are merged, tool results first, as Anthropic requires.
     *
     * @param passExtra        whether {@link ChatRequest#extra()} holds Anthropic parameters to copy (the caller
     *                         spoke Anthropic); otherwise extras are refused unless dropping
     * @param defaultMaxTokens {@code max_tokens} when the request has none (Anthropic requires it)
     * @throws UnsupportedParameterException for seed, response_format or extras (unless dropping)
     * @throws InvalidRequestException       for what Anthropic cannot express (temperature above 1, …)
     */
    public static Map<String, Object> encodeRequest(ChatRequest r, boolean passExtra, int defaultMaxTokens) {
        Objects.requireNonNull(r, "r");
        boolean drop = r.dropUnsupported();
        if (r.temperature() != null && (r.temperature() < 0 || r.temperature() > 1)) {
            throw invalid("temperature", "anthropic accepts 0 to 1", "0 ≤ temperature ≤ 1");
        }
        if (r.seed() != null && !drop) {
            throw new UnsupportedParameterException("seed", PROVIDER);
        }
        if (r.responseFormat() != null && !drop) {
            throw new UnsupportedParameterException("response_format", PROVIDER);
        }
        if (!passExtra && !drop && !r.extra().isEmpty()) {
            throw new UnsupportedParameterException(new TreeSet<>(r.extra().keySet()).first(), PROVIDER);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", r.model());
        body.put("max_tokens", r.maxTokens() != null ? r.maxTokens() : defaultMaxTokens);
        List<String> system = new ArrayList<>();
        AnthropicTurns turns = new AnthropicTurns();
        for (int i = 0; i < r.messages().size(); i++) {
            ChatMessage m = r.messages().get(i);
            String p = "messages[" + i + "]";
            switch (m.role()) {
                case SYSTEM, DEVELOPER -> {
                    for (ContentPart part : m.content()) {
                        if (!(part instanceof ContentPart.Text t)) {
                            throw invalid(p + ".content", "an image in a system message", "text only");
                        }
                        system.add(t.text());
                    }
                }
                case USER -> turns.user(m, p);
                case ASSISTANT -> turns.assistant(m, p);
                case TOOL -> turns.toolResult(m, p);
            }
        }
        if (!system.isEmpty()) {
            body.put("system", String.join("\n\n", system));
        }
        if (turns.isEmpty()) {
            throw invalid("messages", "no user or assistant message", "at least one user message");
        }
        body.put("messages", turns.wire());
        putIfSet(body, "temperature", r.temperature());
        putIfSet(body, "top_p", r.topP());
        putIfSet(body, "top_k", r.topK());
        if (!r.stop().isEmpty()) {
            body.put("stop_sequences", r.stop());
        }
        if (r.stream()) {
            body.put("stream", true);
        }
        if (!r.tools().isEmpty()) {
            List<Object> tools = new ArrayList<>();
            for (Tool t : r.tools()) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("name", t.name());
                putIfSet(w, "description", t.description());
                w.put("input_schema", t.parameters() != null ? t.parameters()
                        : Map.of("type", "object", "properties", Map.of()));
                tools.add(w);
            }
            body.put("tools", tools);
        }
        if (r.toolChoice() != null) {
            body.put("tool_choice", switch (r.toolChoice().mode()) {
                case AUTO -> Map.of("type", "auto");
                case NONE -> Map.of("type", "none");
                case REQUIRED -> Map.of("type", "any");
                case TOOL -> Map.of("type", "tool", "name", r.toolChoice().name());
            });
        }
        if (r.user() != null) {
            body.put("metadata", Map.of("user_id", r.user()));
        }
        if (passExtra) {
            new TreeSet<>(r.extra().keySet()).forEach(k -> body.putIfAbsent(k, r.extra().get(k)));
        }
        return body;
    }

    /** An image as an Anthropic image block: base64 data (also from a data: URL) or an http(s) URL. */
    static Map<String, Object> imageBlock(ContentPart.Image image, String p) {
        ContentPart.Image inline = image.inline();
        Map<String, Object> source = new LinkedHashMap<>();
        if (inline != null) {
            if (inline.mediaType() == null || inline.mediaType().isEmpty()) {
                throw invalid(p, "an image without a media type", "a media type such as image/png");
            }
            source.put("type", "base64");
            source.put("media_type", inline.mediaType());
            source.put("data", inline.data());
        } else if (image.url().startsWith("https://") || image.url().startsWith("http://")) {
            source.put("type", "url");
            source.put("url", image.url());
        } else {
            throw invalid(p, "an image URL anthropic cannot fetch", "an http(s) URL or a base64 data: URL");
        }
        return block("image", "source", source);
    }

    // ---------------------------------------------------------------- results

    /** Reads Anthropic's answer to a non-streamed call. */
    public static ChatResult decodeResult(Map<String, Object> body) {
        Objects.requireNonNull(body, "body");
        StringBuilder text = null;
        List<ToolCall> calls = new ArrayList<>();
        List<Object> content = Json.array(body.get("content"), "content");
        for (Object o : content == null ? List.of() : content) {
            Map<String, Object> b = Json.object(o, "content block");
            String type = b == null ? null : Json.string(b.get("type"), "content block type");
            if ("text".equals(type)) {
                text = (text == null ? new StringBuilder() : text).append(Json.string(b.get("text"), "text"));
            } else if ("tool_use".equals(type)) {
                Object input = b.get("input");
                calls.add(new ToolCall(Json.string(b.get("id"), "tool_use id"), Json.string(b.get("name"), "tool_use name"),
                        Json.write(input == null ? Map.of() : input)));
            }
        }
        Map<String, Object> usage = Json.object(body.get("usage"), "usage");
        String id = Json.string(body.get("id"), "id");
        return new ChatResult(id == null ? "" : id, Json.string(body.get("model"), "model"),
                System.currentTimeMillis() / 1000, text == null ? null : text.toString(), calls,
                finishReason(Json.string(body.get("stop_reason"), "stop_reason")),
                usage == null ? Usage.NONE : new Usage(count(usage.get("input_tokens")), count(usage.get("output_tokens"))));
    }

    /**
     * Writes a neutral answer as Anthropic's Message. An id without {@code msg_} gets that prefix (SDKs and logs
     * expect it; the provider's id stays readable in it).
     */
    public static Map<String, Object> encodeResult(ChatResult r, String model) {
        Objects.requireNonNull(r, "r");
        List<Object> content = new ArrayList<>();
        if (r.text() != null && !r.text().isEmpty()) {
            content.add(block("text", "text", r.text()));
        }
        for (ToolCall c : r.toolCalls()) {
            content.add(toolUseBlock(c, parsedInput(c.arguments())));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", messageId(r.id()));
        body.put("type", "message");
        body.put("role", "assistant");
        body.put("model", model != null ? model : r.model());
        body.put("content", content);
        body.put("stop_reason", stopReason(r.finishReason()));
        body.put("stop_sequence", null);
        body.put("usage", usage(r.usage().inputTokens(), r.usage().outputTokens()));
        return body;
    }

    // ---------------------------------------------------------------- streams

    /** A decoder for one Anthropic event stream (named SSE events, ending with {@code message_stop}). */
    public static StreamDecoder streamDecoder() {
        return new AnthropicStream.Decoder();
    }

    /**
     * An encoder writing neutral events as an Anthropic event stream for an SDK client.
     *
     * @param id    the message id to announce (prefixed with {@code msg_} if it lacks it), or null for the
     *              upstream's from {@link dev.keyway.spi.ai.ChatEvent.Started}
     * @param model the model to announce, or null for the upstream's
     */
    public static StreamEncoder streamEncoder(String id, String model) {
        return new AnthropicStream.Encoder(id, model);
    }

    // ---------------------------------------------------------------- errors

    /**
     * Reads an Anthropic error answer ({@code {"type":"error","error":{type,message}}}); a body that is not JSON
     * yields a type of null and a generic message, never the body itself.
     */
    public static UpstreamError decodeError(int status, Map<String, List<String>> headers, byte[] body) {
        String type = null;
        String message = null;
        try {
            Map<String, Object> error = Json.object(Json.parseObject(new String(body == null ? new byte[0] : body,
                    StandardCharsets.UTF_8)).get("error"), "error");
            if (error != null) {
                type = error.get("type") instanceof String s ? s : null;
                message = error.get("message") instanceof String s ? s : null;
            }
        } catch (IllegalArgumentException notJson) {
            // Proxies in front of the provider answer HTML or plain text; the status says enough.
        }
        if (message == null) {
            message = "anthropic answered HTTP " + status + " without an error message";
        }
        boolean never = status == 400 || status == 401 || status == 403 || status == 404 || status == 413;
        boolean retryable = !never && (Set.of(429, 500, 502, 503, 504, 529).contains(status)
                || "overloaded_error".equals(type));
        return new UpstreamError(status, type, message, retryable,
                retryAfterMillis(header(headers, "retry-after"), System.currentTimeMillis()));
    }

    /** {@code Retry-After} (delay seconds or an HTTP-date) in milliseconds from {@code nowMillis}, or -1. */
    static long retryAfterMillis(String value, long nowMillis) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        String v = value.strip();
        try {
            BigDecimal seconds = new BigDecimal(v);
            return seconds.signum() < 0 ? -1 : seconds.movePointRight(3).longValue();
        } catch (NumberFormatException notSeconds) {
            try {
                long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                return Math.max(0, at - nowMillis);
            } catch (DateTimeParseException notDate) {
                return -1;
            }
        }
    }

    /** An error body in Anthropic's shape, its type chosen by status, for a caller of {@code /v1/messages}. */
    public static Map<String, Object> encodeError(int status, String message) {
        String type = switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", type);
        error.put("message", message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "error");
        body.put("error", error);
        return body;
    }

    // ---------------------------------------------------------------- shared with the stream codec

    static FinishReason finishReason(String stopReason) {
        return switch (stopReason == null ? "" : stopReason) {
            case "end_turn", "stop_sequence", "pause_turn" -> FinishReason.STOP;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> null;
        };
    }

    static String stopReason(FinishReason reason) {
        return reason == null ? null : switch (reason) {
            case STOP -> "end_turn";
            case LENGTH -> "max_tokens";
            case TOOL_CALLS -> "tool_use";
            case CONTENT_FILTER -> "refusal";
        };
    }

    /** The HTTP status Anthropic uses for an error type (for errors inside a stream). */
    static int status(String errorType) {
        return switch (errorType == null ? "" : errorType) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    static String messageId(String id) {
        if (id == null || id.isEmpty()) {
            return "msg_" + UUID.randomUUID().toString().replace("-", "");
        }
        return id.startsWith("msg_") ? id : "msg_" + id;
    }

    static Map<String, Object> toolUseBlock(ToolCall call, Map<String, Object> input) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", "tool_use");
        b.put("id", call.id() != null ? call.id() : "toolu_" + UUID.randomUUID().toString().replace("-", ""));
        b.put("name", call.name());
        b.put("input", input);
        return b;
    }

    /** A model's arguments as an object; arguments cut short (a length stop) become an empty object. */
    private static Map<String, Object> parsedInput(String arguments) {
        try {
            return Json.parseObject(arguments);
        } catch (IllegalArgumentException notAnObject) {
            return new LinkedHashMap<>();
        }
    }

    static Map<String, Object> usage(Long input, Long output) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("input_tokens", input == null ? 0L : input);
        u.put("output_tokens", output == null ? 0L : output);
        return u;
    }

    static Map<String, Object> block(String type, String key, Object value) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", type);
        b.put(key, value);
        return b;
    }

    static Long count(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }

    static InvalidRequestException invalid(String param, String problem, String expected) {
        return new InvalidRequestException(param, param + ": " + problem + " (expected: " + expected + ")");
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static String header(Map<String, List<String>> headers, String name) {
        if (headers != null) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (name.equalsIgnoreCase(e.getKey()) && e.getValue() != null && !e.getValue().isEmpty()) {
                    return e.getValue().getFirst();
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- typed access to the caller's JSON

    private static Map<String, Object> object(Object v, String p) {
        if (v == null || v instanceof Map) {
            return Json.object(v, p);
        }
        throw invalid(p, "not an object", "a JSON object");
    }

    private static List<Object> array(Object v, String p) {
        if (v == null || v instanceof List) {
            return Json.array(v, p);
        }
        throw invalid(p, "not an array", "a JSON array");
    }

    private static String string(Object v, String p) {
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw invalid(p, "not a string", "a string");
    }

    private static String requiredString(Object v, String p) {
        String s = string(v, p);
        if (s == null) {
            throw invalid(p, "missing", "a string");
        }
        return s;
    }

    private static Boolean bool(Object v, String p) {
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw invalid(p, "not a boolean", "true or false");
    }

    private static Double fraction(Object v, String p) {
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 1) {
            throw invalid(p, "out of range", "a number from 0 to 1");
        }
        return n.doubleValue();
    }

    private static Integer integer(Object v, String p, int min) {
        if (v == null) {
            return null;
        }
        String expected = min == 0 ? "an integer ≥ 0" : "a positive integer";
        try {
            BigDecimal d = switch (v) {
                case Long l -> BigDecimal.valueOf(l);
                case BigDecimal b -> b;
                default -> throw invalid(p, "not an integer", expected);
            };
            int i = d.intValueExact();
            if (i < min) {
                throw invalid(p, "out of range", expected);
            }
            return i;
        } catch (ArithmeticException notAnInt) {
            throw invalid(p, "not an integer", expected);
        }
    }

    private static List<String> strings(Object v, String p) {
        List<Object> list = array(v, p);
        List<String> out = new ArrayList<>();
        for (int i = 0; list != null && i < list.size(); i++) {
            out.add(requiredString(list.get(i), p + "[" + i + "]"));
        }
        return out;
    }
}
