package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The OpenAI Chat Completions and Embeddings wire format, both ways: Keyway's inbound {@code /v1/chat/completions}
 * and {@code /v1/embeddings} APIs (decode the caller's request, encode the answer, its stream and errors) and the
 * outbound call to OpenAI, Mistral and OpenAI-compatible servers (encode the request, decode the answer, its
 * stream and errors). Values are {@link Json} values.
 *
 * <p>Stateless and thread-safe; the stream decoders and encoders it creates serve one call on one thread.
 * Validation failures are {@link InvalidRequestException}s naming the parameter path, never its value; malformed
 * upstream answers are {@link IllegalStateException}s.
 */
public final class OpenAiWire {
    private static final Pattern SECONDS = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?");
    private static final int MAX_ERROR_MESSAGE = 1000;

    private OpenAiWire() {
    }

    /** An inbound request and whether the caller asked for the usage chunk ({@code stream_options.include_usage}). */
    public record Decoded(ChatRequest request, boolean includeUsage) {
    }

    // ---------------------------------------------------------------- chat requests

    /**
     * Reads a Chat Completions request sent to Keyway. Known parameters are validated; every other top-level key
     * with a non-null value goes to {@link ChatRequest#extra()} by wire name. {@code max_completion_tokens} wins
     * over {@code max_tokens}. A function's {@code strict} flag is carried ({@link Tool#strict()}).
     *
     * @throws InvalidRequestException naming the parameter path, e.g. {@code messages[2].content}
     */
    public static Decoded decodeRequest(Map<String, Object> body, boolean dropUnsupported) {
        return OpenAiRequests.decode(body, dropUnsupported);
    }

    /**
     * Writes the request body for an upstream: {@code provider} {@code openai} gets {@code developer} messages and
     * {@code max_completion_tokens}; others get {@code system} and {@code max_tokens}. A streamed request always
     * asks for the usage chunk, except from {@code mistral}, which refuses {@code stream_options} and reports usage
     * in its last chunk anyway; Mistral's seed is {@code random_seed} and it takes no {@code user}.
     *
     * @param passExtra copy {@link ChatRequest#extra()} as is (the upstream speaks OpenAI's dialect); otherwise each
     *                  extra key is refused unless {@link ChatRequest#dropUnsupported()}
     * @throws UnsupportedParameterException for {@code top_k}, extras or Mistral's {@code user}, unless dropping
     */
    public static Map<String, Object> encodeRequest(ChatRequest r, String provider, boolean passExtra) {
        return OpenAiRequests.encode(r, provider, passExtra);
    }

    // ---------------------------------------------------------------- chat results

    /**
     * Reads an upstream's answer: the first choice (content null when it only calls tools; a refusal reads as
     * text), its tool calls, finish reason and usage.
     *
     * @throws IllegalStateException when the answer is not Chat Completions-shaped
     */
    public static ChatResult decodeResult(Map<String, Object> body) {
        try {
            List<Object> choices = body == null ? null : Json.array(body.get("choices"), "choices");
            if (choices == null || choices.isEmpty()) {
                throw new IllegalStateException("upstream answer has no choices");
            }
            Map<String, Object> choice = Json.object(choices.getFirst(), "choices[0]");
            if (choice == null) {
                throw new IllegalStateException("upstream answer has a null choice");
            }
            Map<String, Object> message = Json.object(choice.get("message"), "choices[0].message");
            String text = null;
            List<ToolCall> calls = List.of();
            if (message != null) {
                text = contentText(message.get("content"));
                if (text == null) {
                    text = Json.string(message.get("refusal"), "refusal");
                }
                calls = resultToolCalls(Json.array(message.get("tool_calls"), "tool_calls"));
            }
            String id = Json.string(body.get("id"), "id");
            Number created = Json.number(body.get("created"), "created");
            return new ChatResult(id == null ? "" : id, Json.string(body.get("model"), "model"),
                    created == null ? 0 : created.longValue(), text, calls, finishReason(choice.get("finish_reason")),
                    usage(Json.object(body.get("usage"), "usage")));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("upstream answer is malformed: " + e.getMessage(), e);
        }
    }

    /**
     * Writes an answer for an OpenAI client; {@code model} is the name the caller used (null: the result's). Content
     * is null when the answer only calls tools; unknown usage counts as 0, a missing finish reason as stop.
     */
    public static Map<String, Object> encodeResult(ChatResult r, String model) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", r.text());
        if (!r.toolCalls().isEmpty()) {
            message.put("tool_calls", r.toolCalls().stream().map(OpenAiRequests::encodeToolCall).toList());
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("finish_reason", finishName(r.finishReason() == null ? FinishReason.STOP : r.finishReason()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", r.id());
        out.put("object", "chat.completion");
        out.put("created", r.created());
        out.put("model", model != null ? model : r.model());
        out.put("choices", List.of(choice));
        out.put("usage", usageMap(r.usage()));
        return out;
    }

    /**
     * A decoder for an OpenAI-compatible upstream's SSE stream: Started, text and tool-call events, Finished and
     * UsageReport (from the {@code choices: []} usage chunk); an {@code error} chunk is Failed; {@code [DONE]} ends
     * it. A chunk that is not JSON, or a body that ends before it finished, is an {@link IllegalStateException}
     * that never quotes the data.
     */
    public static StreamDecoder streamDecoder() {
        return new OpenAiStream.Decoder();
    }

    /**
     * An encoder writing {@code chat.completion.chunk}s for an OpenAI client, as the official SDKs read them. Usage
     * reports are merged and written once, by {@link StreamEncoder#end()}, before {@code data: [DONE]}.
     *
     * @param id           the answer's id, in every chunk
     * @param model        the model name the caller used
     * @param created      epoch seconds
     * @param includeUsage whether the caller asked for the final usage chunk ({@code stream_options.include_usage})
     */
    public static StreamEncoder streamEncoder(String id, String model, long created, boolean includeUsage) {
        return new OpenAiStream.Encoder(id, model, created, includeUsage);
    }

    // ---------------------------------------------------------------- errors

    /**
     * Reads an upstream's error answer: {@code {"error":{message,type,code}}}, Mistral's flat form, a bare
     * {@code {"error":"…"}} or a validation {@code detail} list; any other body reads as
     * {@code upstream answered <status>}. The type is the error's {@code code} when it has one, else its
     * {@code type}. Retryable: 408, 409, 429 and 5xx. The wait comes from {@code retry-after-ms}, else
     * {@code Retry-After} (seconds or an HTTP date), else -1.
     */
    public static UpstreamError decodeError(int status, Map<String, List<String>> headers, byte[] body) {
        String message = null;
        String type = null;
        Map<String, Object> json = parseLeniently(body);
        if (json != null) {
            Object error = json.get("error");
            if (error instanceof String s) {
                message = s;
            } else {
                Map<String, Object> e = error instanceof Map<?, ?> ? Json.object(error, "error") : json;
                message = messageText(e.get("message"));
                if (message == null) {
                    message = messageText(json.get("detail"));
                }
                type = e.get("code") instanceof String code && !code.isBlank() ? code
                        : e.get("type") instanceof String t && !t.isBlank() ? t : null;
            }
        }
        if (message == null || message.isBlank()) {
            message = "upstream answered " + status;
        } else if (message.length() > MAX_ERROR_MESSAGE) {
            message = message.substring(0, MAX_ERROR_MESSAGE) + "…";
        }
        boolean retryable = status == 408 || status == 409 || status == 429 || status >= 500;
        return new UpstreamError(status, type, message, retryable, retryAfterMillis(headers));
    }

    /**
     * Writes {@code {"error":{message,type,param,code}}}, the type following the status: 400 (and other 4xx)
     * invalid_request_error, 401 authentication_error, 403 permission_error, 404 not_found_error, 429
     * rate_limit_error (insufficient_quota for that code), 5xx api_error. {@code code} and {@code param} may be null.
     */
    public static Map<String, Object> encodeError(int status, String code, String message, String param) {
        return Map.of("error", OpenAiRequests.ordered("message", message, "type", errorType(status, code),
                "param", param, "code", code));
    }

    // ---------------------------------------------------------------- embeddings

    /**
     * Reads an embeddings request: {@code input} a string or up to 2048 strings (token arrays are refused),
     * {@code encoding_format} float only, {@code dimensions} positive; unknown parameters are refused.
     *
     * @throws InvalidRequestException naming the parameter
     */
    public static EmbeddingRequest decodeEmbeddingsRequest(Map<String, Object> body) {
        return OpenAiRequests.decodeEmbeddings(body);
    }

    /** Writes an embeddings request body for an upstream (floats, the default format). */
    public static Map<String, Object> encodeEmbeddingsRequest(EmbeddingRequest r) {
        return OpenAiRequests.encodeEmbeddings(r);
    }

    /**
     * Reads an upstream's embeddings, ordered by their {@code index} (base64 float32 vectors are read too).
     *
     * @throws IllegalStateException when the answer is not an embeddings list
     */
    public static EmbeddingResult decodeEmbeddingsResult(Map<String, Object> body) {
        try {
            List<Object> data = body == null ? null : Json.array(body.get("data"), "data");
            if (data == null) {
                throw new IllegalStateException("upstream embeddings answer has no data");
            }
            double[][] vectors = new double[data.size()][];
            for (int i = 0; i < data.size(); i++) {
                Map<String, Object> item = Json.object(data.get(i), "data[" + i + "]");
                Number index = Json.number(item.get("index"), "data[" + i + "].index");
                int at = index == null ? i : index.intValue();
                if (at < 0 || at >= vectors.length || vectors[at] != null) {
                    throw new IllegalStateException("upstream embeddings answer has a bad index at data[" + i + "]");
                }
                vectors[at] = vector(item.get("embedding"), "data[" + i + "].embedding");
            }
            Map<String, Object> usage = Json.object(body.get("usage"), "usage");
            Usage u = new Usage(usage == null ? null : count(usage.get("prompt_tokens"), "usage.prompt_tokens"), null);
            return new EmbeddingResult(Json.string(body.get("model"), "model"), Arrays.asList(vectors), u);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("upstream embeddings answer is malformed: " + e.getMessage(), e);
        }
    }

    /** Writes embeddings for an OpenAI client; {@code model} is the name the caller used (null: the result's). */
    public static Map<String, Object> encodeEmbeddingsResult(EmbeddingResult r, String model) {
        List<Object> data = new ArrayList<>(r.vectors().size());
        for (int i = 0; i < r.vectors().size(); i++) {
            List<Double> values = Arrays.stream(r.vectors().get(i)).boxed().toList();
            data.add(OpenAiRequests.ordered("object", "embedding", "index", i, "embedding", values));
        }
        Usage u = r.usage() == null ? Usage.NONE : r.usage();
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", u.inputTokens() == null ? 0 : u.inputTokens());
        usage.put("total_tokens", u.total());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "list");
        out.put("data", data);
        out.put("model", model != null ? model : r.model());
        out.put("usage", usage);
        return out;
    }

    // ---------------------------------------------------------------- shared with OpenAiStream

    /** OpenAI's name for a finish reason. */
    static String finishName(FinishReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }

    /** A finish reason from its OpenAI name; null stays null, unknown names read as STOP. */
    static FinishReason finishReason(Object name) {
        if (!(name instanceof String s)) {
            return null;
        }
        return switch (s) {
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
    }

    /** Usage from an OpenAI {@code usage} object, fields it lacks null. */
    static Usage usage(Map<String, Object> usage) {
        if (usage == null) {
            return Usage.NONE;
        }
        return new Usage(count(usage.get("prompt_tokens"), "usage.prompt_tokens"),
                count(usage.get("completion_tokens"), "usage.completion_tokens"));
    }

    /** An OpenAI {@code usage} object; unknown counts are 0. */
    static Map<String, Object> usageMap(Usage u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("prompt_tokens", u.inputTokens() == null ? 0 : u.inputTokens());
        out.put("completion_tokens", u.outputTokens() == null ? 0 : u.outputTokens());
        out.put("total_tokens", u.total());
        return out;
    }

    // ---------------------------------------------------------------- decoding helpers

    private static String contentText(Object content) {
        if (content instanceof List<?> parts) {
            // Some OpenAI-compatible servers answer with text parts.
            StringBuilder b = new StringBuilder();
            for (Object part : parts) {
                if (part instanceof Map<?, ?> m && m.get("text") instanceof String t) {
                    b.append(t);
                }
            }
            return b.toString();
        }
        return Json.string(content, "content");
    }

    private static List<ToolCall> resultToolCalls(List<Object> raw) {
        if (raw == null) {
            return List.of();
        }
        List<ToolCall> calls = new ArrayList<>(raw.size());
        for (Object o : raw) {
            Map<String, Object> call = Json.object(o, "tool_calls[]");
            Map<String, Object> fn = Json.object(call.get("function"), "tool_calls[].function");
            Object args = fn == null ? null : fn.get("arguments");
            String name = fn == null ? null : Json.string(fn.get("name"), "tool_calls[].function.name");
            if (name == null) {
                throw new IllegalStateException("upstream answer has a tool call without a name");
            }
            // Some OpenAI-compatible servers answer with the arguments as an object.
            String arguments = args instanceof Map<?, ?> || args instanceof List<?> ? Json.write(args)
                    : Json.string(args, "tool_calls[].function.arguments");
            calls.add(new ToolCall(Json.string(call.get("id"), "tool_calls[].id"), name, arguments));
        }
        return calls;
    }

    private static double[] vector(Object raw, String what) {
        if (raw instanceof String base64) {
            ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
            double[] v = new double[b.remaining() / Float.BYTES];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getFloat();
            }
            return v;
        }
        List<Object> list = Json.array(raw, what);
        if (list == null) {
            throw new IllegalArgumentException(what + ": expected an array of numbers");
        }
        double[] v = new double[list.size()];
        for (int i = 0; i < v.length; i++) {
            Number n = Json.number(list.get(i), what);
            if (n == null) {
                throw new IllegalArgumentException(what + ": expected numbers, not null");
            }
            v[i] = n.doubleValue();
        }
        return v;
    }

    private static Long count(Object raw, String what) {
        Number n = Json.number(raw, what);
        return n == null ? null : n.longValue();
    }

    private static Map<String, Object> parseLeniently(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return Json.parse(new String(body, StandardCharsets.UTF_8)) instanceof Map<?, ?> m
                    ? Json.object(m, "body") : null;
        } catch (IllegalArgumentException notJson) {
            return null;
        }
    }

    private static String messageText(Object raw) {
        if (raw instanceof String s) {
            return s;
        }
        if (raw instanceof List<?> details) {
            // A validation error's detail list ({loc, msg}); its "input" entries may echo the request, so skip them.
            List<String> parts = new ArrayList<>();
            for (Object d : details) {
                if (d instanceof Map<?, ?> m && m.get("msg") instanceof String msg) {
                    String loc = m.get("loc") instanceof List<?> l
                            ? String.join(".", l.stream().map(String::valueOf).toList()) + ": " : "";
                    parts.add(loc + msg);
                }
            }
            return parts.isEmpty() ? null : String.join("; ", parts);
        }
        return null;
    }

    private static long retryAfterMillis(Map<String, List<String>> headers) {
        return dev.keyway.spi.ai.ProviderHeaders.retryAfterMillis(headers, System.currentTimeMillis());
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return dev.keyway.spi.ai.ProviderHeaders.first(headers, name);
    }

    private static String errorType(int status, String code) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "insufficient_quota".equals(code) ? "insufficient_quota" : "rate_limit_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

}
