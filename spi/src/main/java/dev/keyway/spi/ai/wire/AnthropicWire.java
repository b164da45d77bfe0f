package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.ToolCall;
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
import java.util.UUID;

/**
 * The Anthropic Messages wire format, both ways: Keyway's inbound {@code /v1/messages} API (decode the caller's
 * request, encode the answer, its stream and errors) and the outbound call to Anthropic (encode the request,
 * decode the answer, its stream and errors). Bodies are {@link Json} values.
 *
 * <p>Stateless and thread-safe; each stream decoder or encoder it creates serves one call on one thread.
 * Validation failures are {@link InvalidRequestException}s naming the parameter path, never its value.
 */
public final class AnthropicWire {
    /** The provider name in {@link UnsupportedParameterException}s. */
    static final String PROVIDER = "anthropic";
    private static final Set<Integer> RETRYABLE = Set.of(429, 500, 502, 503, 504, 529);
    private static final Set<Integer> NEVER_RETRYABLE = Set.of(400, 401, 403, 404, 413);

    private AnthropicWire() {
    }

    /**
     * Reads a Messages request sent to Keyway. The {@code system} prompt becomes one SYSTEM message first; a user
     * turn's {@code tool_result} blocks become one TOOL message each, followed by one USER message with the turn's
     * other blocks in order; top-level keys without a neutral field go to {@link ChatRequest#extra()} by wire name.
     * What no neutral field carries (thinking blocks, {@code disable_parallel_tool_use}) is refused unless
     * {@code dropUnsupported}; server tools and other block types are refused; {@code cache_control} is ignored.
     *
     * @throws InvalidRequestException naming the parameter path at fault
     */
    public static ChatRequest decodeRequest(Map<String, Object> body, boolean dropUnsupported) {
        return AnthropicRequests.decode(body, dropUnsupported);
    }

    /**
     * Writes a neutral request as an Anthropic Messages body. System and developer messages, wherever they are,
     * become the top-level {@code system} (joined with blank lines); tool messages become {@code tool_result}
     * blocks; consecutive turns of one role merge into one, tool results first, as Anthropic requires.
     * Parameter paths in errors are the neutral (OpenAI-style) ones, e.g.
     * {@code messages[2].tool_calls[0].function.arguments}.
     *
     * @param passExtra        whether {@link ChatRequest#extra()} holds Anthropic parameters to copy (the caller
     *                         spoke Anthropic); otherwise extras are refused unless dropping
     * @param defaultMaxTokens {@code max_tokens} when the request has none (Anthropic requires it)
     * @throws UnsupportedParameterException for seed, response_format or extras (unless dropping)
     * @throws InvalidRequestException       for what Anthropic cannot express (temperature above 1, …)
     */
    public static Map<String, Object> encodeRequest(ChatRequest r, boolean passExtra, int defaultMaxTokens) {
        return AnthropicRequestEncoder.encode(r, passExtra, defaultMaxTokens);
    }

    /**
     * Reads Anthropic's answer to a non-streamed call: text blocks joined (null without any), {@code tool_use}
     * blocks as calls with their input written out, other blocks (thinking) skipped. Anthropic sends no creation
     * time, so {@code created} is now; usage is {@code input_tokens} and {@code output_tokens} as reported (cache
     * reads and writes, which Anthropic counts apart, are not in them).
     */
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
                calls.add(new ToolCall(Json.string(b.get("id"), "tool_use id"),
                        Json.string(b.get("name"), "tool_use name"), Json.write(input == null ? Map.of() : input)));
            }
        }
        Map<String, Object> usage = Json.object(body.get("usage"), "usage");
        String id = Json.string(body.get("id"), "id");
        return new ChatResult(id == null ? "" : id, Json.string(body.get("model"), "model"),
                System.currentTimeMillis() / 1000, text == null ? null : text.toString(), calls,
                finishReason(Json.string(body.get("stop_reason"), "stop_reason")),
                usage == null ? Usage.NONE
                        : new Usage(count(usage.get("input_tokens")), count(usage.get("output_tokens"))));
    }

    /**
     * Writes a neutral answer as Anthropic's Message. An id without {@code msg_} gets that prefix (SDKs and logs
     * expect it; the provider's id stays readable in it); an empty one becomes a fresh {@code msg_} id. Arguments
     * that are not a JSON object (a model cut short mid-call) are written as an empty {@code input}.
     *
     * @param model the model to name, or null for the result's
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
        boolean retryable = !NEVER_RETRYABLE.contains(status)
                && (RETRYABLE.contains(status) || "overloaded_error".equals(type));
        return new UpstreamError(status, type, message, retryable,
                retryAfterMillis(header(headers, "retry-after"), System.currentTimeMillis()));
    }

    /** {@code Retry-After} (delay seconds or an HTTP-date) in milliseconds from {@code nowMillis}, or -1. */
    static long retryAfterMillis(String value, long nowMillis) {
        return dev.keyway.spi.ai.ProviderHeaders.retryAfterMillis(value, nowMillis);
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

    private static String header(Map<String, List<String>> headers, String name) {
        return dev.keyway.spi.ai.ProviderHeaders.first(headers, name);
    }
}
