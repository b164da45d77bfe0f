package dev.keyway.plugins.ollama;

import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Ollama's answers read back: a chat response object (also each NDJSON line), an error, embeddings. */
final class OllamaAnswers {

    private OllamaAnswers() {
    }

    /**
     * Reads a non-streamed answer: {@code message.content} (null when empty), {@code message.tool_calls} with their
     * argument objects written out ({@code call_<n>} when Ollama gives no id), {@code done_reason}
     * ({@link FinishReason#TOOL_CALLS} when it called tools), and {@code prompt_eval_count} / {@code eval_count}.
     * Ollama sends no response id, so one is made up.
     *
     * @throws IllegalStateException for a body that is not a chat response
     */
    static ChatResult decodeResult(Map<String, Object> body) {
        try {
            Map<String, Object> message = Json.object(body.get("message"), "message");
            if (message == null) {
                throw new IllegalStateException("ollama answer has no message");
            }
            String text = Json.string(message.get("content"), "message.content");
            List<ToolCall> calls = toolCalls(message, 0);
            return new ChatResult(newId(), Json.string(body.get("model"), "model"),
                    created(body.get("created_at")), text == null || text.isEmpty() ? null : text, calls,
                    finishReason(Json.string(body.get("done_reason"), "done_reason"), !calls.isEmpty()),
                    usage(body));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ollama answer is malformed: " + e.getMessage(), e);
        }
    }

    /** A message's {@code tool_calls}, numbered from {@code first} where Ollama gives no id. */
    static List<ToolCall> toolCalls(Map<String, Object> message, int first) {
        List<Object> wire = Json.array(message.get("tool_calls"), "message.tool_calls");
        List<ToolCall> calls = new ArrayList<>();
        for (Object o : wire == null ? List.of() : wire) {
            Map<String, Object> call = Json.object(o, "message.tool_calls[]");
            Map<String, Object> fn = call == null ? null : Json.object(call.get("function"), "tool_calls[].function");
            if (fn == null) {
                continue;
            }
            String id = Json.string(call.get("id"), "tool_calls[].id");
            Object args = fn.get("arguments");
            String arguments = args instanceof String s ? s : Json.write(args == null ? Map.of() : args);
            calls.add(new ToolCall(id != null && !id.isEmpty() ? id : "call_" + (first + calls.size()),
                    Json.string(fn.get("name"), "tool_calls[].function.name"), arguments));
        }
        return calls;
    }

    /** {@code done_reason} in neutral form: stop (tool calls when it called some), length; null for none. */
    static FinishReason finishReason(String doneReason, boolean calls) {
        if (doneReason == null || doneReason.isEmpty()) {
            return calls ? FinishReason.TOOL_CALLS : null;
        }
        return switch (doneReason) {
            case "length" -> FinishReason.LENGTH;
            default -> calls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        };
    }

    /** {@code prompt_eval_count} (input) and {@code eval_count} (output); each null when absent. */
    static Usage usage(Map<String, Object> body) {
        return new Usage(count(body.get("prompt_eval_count")), count(body.get("eval_count")));
    }

    /**
     * Reads an error answer ({@code {"error":"text"}}). Retryable: 429 and 5xx but 501; never 4xx otherwise (404 is
     * a model that is not pulled). The wait is {@code Retry-After} if a proxy sent one. A body that is not JSON yields
     * a generic message, never the body.
     */
    static UpstreamError decodeError(int status, Map<String, List<String>> headers, byte[] body, long nowMillis) {
        String message = null;
        try {
            Object parsed = Json.parse(new String(body == null ? new byte[0] : body, StandardCharsets.UTF_8));
            if (parsed instanceof Map<?, ?> m && m.get("error") instanceof String s && !s.isEmpty()) {
                message = s;
            }
        } catch (IllegalArgumentException notJson) {
            // A proxy in front of Ollama answered HTML or plain text; the status says enough.
        }
        if (message == null) {
            message = "ollama answered HTTP " + status + " without an error message";
        }
        boolean retryable = status == 429 || (status >= 500 && status != 501);
        return new UpstreamError(status, null, message, retryable,
                retryAfterMillis(header(headers, "retry-after"), nowMillis));
    }

    /**
     * Reads {@code /api/embed}'s answer: {@code embeddings} in input order, {@code prompt_eval_count} as input tokens.
     *
     * @throws IllegalStateException for a body that is not an embeddings answer
     */
    static EmbeddingResult decodeEmbeddings(Map<String, Object> body) {
        try {
            List<Object> embeddings = Json.array(body.get("embeddings"), "embeddings");
            if (embeddings == null) {
                throw new IllegalStateException("ollama embeddings answer has no embeddings");
            }
            List<double[]> vectors = new ArrayList<>();
            for (int i = 0; i < embeddings.size(); i++) {
                List<Object> values = Json.array(embeddings.get(i), "embeddings[" + i + "]");
                if (values == null) {
                    throw new IllegalStateException("ollama embeddings answer has no vector at embeddings[" + i + "]");
                }
                double[] v = new double[values.size()];
                for (int j = 0; j < v.length; j++) {
                    Number n = Json.number(values.get(j), "embeddings[" + i + "][" + j + "]");
                    if (n == null) {
                        throw new IllegalStateException("ollama embeddings answer has a null at embeddings[" + i + "]");
                    }
                    v[j] = n.doubleValue();
                }
                vectors.add(v);
            }
            return new EmbeddingResult(Json.string(body.get("model"), "model"), vectors,
                    new Usage(count(body.get("prompt_eval_count")), null));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ollama embeddings answer is malformed: " + e.getMessage(), e);
        }
    }

    /** An id for an answer: Ollama gives none. */
    static String newId() {
        return "ollama-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** {@code created_at} (RFC 3339, nanoseconds) in epoch seconds; now when absent or unreadable. */
    static long created(Object createdAt) {
        if (createdAt instanceof String s) {
            try {
                return OffsetDateTime.parse(s).toEpochSecond();
            } catch (DateTimeParseException unreadable) {
                // Fall through: the time is informative only.
            }
        }
        return System.currentTimeMillis() / 1000;
    }

    static Long count(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }

    /** {@code Retry-After} (delay seconds or an HTTP-date) in milliseconds from {@code nowMillis}, or -1. */
    static long retryAfterMillis(String value, long nowMillis) {
        return dev.keyway.spi.ai.ProviderHeaders.retryAfterMillis(value, nowMillis);
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return dev.keyway.spi.ai.ProviderHeaders.first(headers, name);
    }
}
