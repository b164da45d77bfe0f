package dev.keyway.plugins.gemini;

import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Gemini's answers read back: a {@code GenerateContentResponse}, an error body, batch embeddings. */
final class GeminiAnswers {
    private static final Set<Integer> RETRYABLE = Set.of(429, 500, 502, 503, 504);
    private static final Set<Integer> NEVER_RETRYABLE = Set.of(400, 401, 403, 404, 413);
    private static final Set<String> RETRYABLE_STATUS = Set.of("RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL",
            "DEADLINE_EXCEEDED");

    private GeminiAnswers() {
    }

    /**
     * Reads a non-streamed answer: the first candidate's text parts joined (thought summaries skipped; null without
     * text), its {@code functionCall} parts as calls ({@code call_<n>} when Gemini gives no id), the finish reason
     * ({@link FinishReason#TOOL_CALLS} when it called functions; {@link FinishReason#CONTENT_FILTER} for a blocked
     * prompt), and usage. Gemini sends no creation time, so {@code created} is now.
     *
     * @throws IllegalStateException for a body that is not a GenerateContentResponse
     */
    static ChatResult decodeResult(Map<String, Object> body) {
        try {
            Candidate c = candidate(body, 0);
            String id = Json.string(body.get("responseId"), "responseId");
            return new ChatResult(id == null ? "" : id, Json.string(body.get("modelVersion"), "modelVersion"),
                    System.currentTimeMillis() / 1000, c.text(), c.calls(), withCalls(c.reason(), !c.calls().isEmpty()),
                    usage(body));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("gemini answer is malformed: " + e.getMessage(), e);
        }
    }

    /** One response's first candidate, read: text (null without any), calls numbered from {@code firstCall}. */
    record Candidate(String text, List<ToolCall> calls, FinishReason reason) {
    }

    static Candidate candidate(Map<String, Object> body, int firstCall) {
        List<Object> candidates = Json.array(body.get("candidates"), "candidates");
        Map<String, Object> candidate = candidates == null || candidates.isEmpty() ? null
                : Json.object(candidates.getFirst(), "candidates[0]");
        if (candidate == null) {
            Map<String, Object> feedback = Json.object(body.get("promptFeedback"), "promptFeedback");
            boolean blocked = feedback != null && feedback.get("blockReason") != null;
            return new Candidate(null, List.of(), blocked ? FinishReason.CONTENT_FILTER : null);
        }
        StringBuilder text = null;
        List<ToolCall> calls = new ArrayList<>();
        Map<String, Object> content = Json.object(candidate.get("content"), "candidates[0].content");
        List<Object> parts = content == null ? null : Json.array(content.get("parts"), "candidates[0].content.parts");
        for (Object o : parts == null ? List.of() : parts) {
            Map<String, Object> part = Json.object(o, "candidates[0].content.parts[]");
            if (part == null || Boolean.TRUE.equals(part.get("thought"))) {
                continue; // a thought summary is not answer text
            }
            String t = Json.string(part.get("text"), "parts[].text");
            if (t != null) {
                text = (text == null ? new StringBuilder() : text).append(t);
            }
            Map<String, Object> fn = Json.object(part.get("functionCall"), "parts[].functionCall");
            if (fn != null) {
                String id = Json.string(fn.get("id"), "functionCall.id");
                Object args = fn.get("args");
                calls.add(new ToolCall(id != null && !id.isEmpty() ? id : "call_" + (firstCall + calls.size()),
                        Json.string(fn.get("name"), "functionCall.name"), Json.write(args == null ? Map.of() : args)));
            }
        }
        FinishReason reason = finishReason(Json.string(candidate.get("finishReason"), "finishReason"));
        return new Candidate(text == null ? null : text.toString(), calls, reason);
    }

    /** Gemini says STOP when it called functions; callers expect tool_calls then (a length stop stays one). */
    static FinishReason withCalls(FinishReason reason, boolean calls) {
        return calls && (reason == null || reason == FinishReason.STOP) ? FinishReason.TOOL_CALLS : reason;
    }

    /**
     * Gemini's finish reason in neutral form: STOP (and other ends of a normal turn) is
     * {@link FinishReason#STOP}, MAX_TOKENS {@link FinishReason#LENGTH}, safety-type stops
     * {@link FinishReason#CONTENT_FILTER}; null when there is none yet.
     */
    static FinishReason finishReason(String reason) {
        if (reason == null || reason.isEmpty() || reason.equals("FINISH_REASON_UNSPECIFIED")) {
            return null;
        }
        return switch (reason) {
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
    }

    /**
     * {@code usageMetadata} in neutral form: input is {@code promptTokenCount}; output is
     * {@code candidatesTokenCount} plus {@code thoughtsTokenCount} (thinking is billed as output), null while neither
     * is reported.
     */
    static Usage usage(Map<String, Object> body) {
        Map<String, Object> u = Json.object(body.get("usageMetadata"), "usageMetadata");
        if (u == null) {
            return Usage.NONE;
        }
        Long candidates = count(u.get("candidatesTokenCount"));
        Long thoughts = count(u.get("thoughtsTokenCount"));
        Long output = candidates == null && thoughts == null ? null
                : (candidates == null ? 0 : candidates) + (thoughts == null ? 0 : thoughts);
        return new Usage(count(u.get("promptTokenCount")), output);
    }

    /**
     * Reads an error answer ({@code {"error":{code,message,status}}}, also wrapped in an array as Gemini's streaming
     * endpoint sends it). Retryable: 429, 5xx but 501, and RESOURCE_EXHAUSTED / UNAVAILABLE / INTERNAL /
     * DEADLINE_EXCEEDED, never 400/401/403/404/413. The wait is {@code Retry-After}, else the body's
     * {@code RetryInfo.retryDelay}. A body that is not JSON yields a generic message, never the body.
     *
     * <p>Gemini answers a rejected API key with 400 INVALID_ARGUMENT and the reason {@code API_KEY_INVALID}; that is
     * read as 401, so the gateway treats it as the deployment's fault (its credential), not the caller's request.
     */
    static UpstreamError decodeError(int status, Map<String, List<String>> headers, byte[] body, long nowMillis) {
        String type = null;
        String message = null;
        long hint = -1;
        try {
            Object parsed = Json.parse(new String(body == null ? new byte[0] : body, StandardCharsets.UTF_8));
            if (parsed instanceof List<?> list && !list.isEmpty()) {
                parsed = list.getFirst();
            }
            Map<String, Object> error = parsed instanceof Map<?, ?> ? Json.object(((Map<?, ?>) parsed).get("error"),
                    "error") : null;
            if (error != null) {
                type = error.get("status") instanceof String s ? s : null;
                message = error.get("message") instanceof String s ? s : null;
                hint = retryDelay(error.get("details"));
                if (status == 400 && "API_KEY_INVALID".equals(reason(error.get("details")))) {
                    status = 401;
                    type = "API_KEY_INVALID";
                }
            }
        } catch (IllegalArgumentException notJson) {
            // Proxies in front of Google answer HTML or plain text; the status says enough.
        }
        if (message == null) {
            message = "gemini answered HTTP " + status + " without an error message";
        }
        boolean retryable = !NEVER_RETRYABLE.contains(status)
                && (RETRYABLE.contains(status) || (type != null && RETRYABLE_STATUS.contains(type)));
        long wait = retryAfterMillis(header(headers, "retry-after"), nowMillis);
        return new UpstreamError(status, type, message, retryable, wait >= 0 ? wait : hint);
    }

    /**
     * Reads {@code batchEmbedContents}' answer: {@code embeddings[].values} in input order. Gemini reports no token
     * counts for it, so usage is unknown (its fields null); nor does it name the model.
     *
     * @throws IllegalStateException for a body that is not an embeddings answer
     */
    static EmbeddingResult decodeEmbeddings(Map<String, Object> body) {
        try {
            List<Object> embeddings = Json.array(body.get("embeddings"), "embeddings");
            if (embeddings == null) {
                throw new IllegalStateException("gemini embeddings answer has no embeddings");
            }
            List<double[]> vectors = new ArrayList<>();
            for (int i = 0; i < embeddings.size(); i++) {
                Map<String, Object> e = Json.object(embeddings.get(i), "embeddings[" + i + "]");
                List<Object> values = e == null ? null : Json.array(e.get("values"), "embeddings[" + i + "].values");
                if (values == null) {
                    throw new IllegalStateException("gemini embeddings answer has no values at embeddings[" + i + "]");
                }
                double[] v = new double[values.size()];
                for (int j = 0; j < v.length; j++) {
                    Number n = Json.number(values.get(j), "embeddings[" + i + "].values[" + j + "]");
                    if (n == null) {
                        throw new IllegalStateException("gemini embeddings answer has a null at embeddings[" + i + "]");
                    }
                    v[j] = n.doubleValue();
                }
                vectors.add(v);
            }
            return new EmbeddingResult(null, vectors, Usage.NONE);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("gemini embeddings answer is malformed: " + e.getMessage(), e);
        }
    }

    /** {@code google.rpc.ErrorInfo}'s {@code reason}, or null. */
    private static String reason(Object details) {
        if (details instanceof List<?> list) {
            for (Object d : list) {
                if (d instanceof Map<?, ?> m && m.get("@type") instanceof String t
                        && t.endsWith("google.rpc.ErrorInfo") && m.get("reason") instanceof String r) {
                    return r;
                }
            }
        }
        return null;
    }

    /** {@code google.rpc.RetryInfo}'s {@code retryDelay} ("34s", "1.5s") in milliseconds, or -1. */
    private static long retryDelay(Object details) {
        if (!(details instanceof List<?> list)) {
            return -1;
        }
        for (Object d : list) {
            if (d instanceof Map<?, ?> m && m.get("@type") instanceof String t && t.endsWith("google.rpc.RetryInfo")
                    && m.get("retryDelay") instanceof String delay && delay.endsWith("s")) {
                return seconds(delay.substring(0, delay.length() - 1));
            }
        }
        return -1;
    }

    /** {@code Retry-After} (delay seconds or an HTTP-date) in milliseconds from {@code nowMillis}, or -1. */
    static long retryAfterMillis(String value, long nowMillis) {
        return dev.keyway.spi.ai.ProviderHeaders.retryAfterMillis(value, nowMillis);
    }

    /** Decimal seconds in milliseconds, or -1 when the text is not a non-negative number. */
    private static long seconds(String text) {
        try {
            BigDecimal s = new BigDecimal(text);
            return s.signum() < 0 ? -1
                    : s.min(BigDecimal.valueOf(Long.MAX_VALUE / 1000)).movePointRight(3).longValue();
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }

    static Long count(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }

    private static String header(Map<String, List<String>> headers, String name) {
        return dev.keyway.spi.ai.ProviderHeaders.first(headers, name);
    }
}
