package dev.keyway.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import dev.keyway.spi.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local server speaking Google's Gemini API (WIRE.md) under {@code /v1beta}: {@code models/{model}:generateContent}
 * answers a text, or, when the request declares functions and its last turn is not a {@code functionResponse}, a
 * {@code functionCall} of the first declared function with {@code {"city":"Paris"}}; {@code :streamGenerateContent
 * ?alt=sse} sends whole response objects as {@code data:} events (no {@code [DONE]}), the last with
 * {@code finishReason} and {@code usageMetadata}; {@code :batchEmbedContents} answers one vector per request. Like
 * Gemini it refuses, in its error shape, a call without {@code x-goog-api-key}, unknown top-level or
 * {@code generationConfig} fields, roles other than user and model, and empty parts. Queued failures and delays
 * apply to the next requests in order. Records every request it receives.
 */
public final class FakeGemini extends FakeProvider<FakeGemini> {
    public static final long PROMPT_TOKENS = 11;
    public static final long CANDIDATES_TOKENS = 7;
    /** The text of each streamed chunk; joined, the text of a finished answer. */
    public static final List<String> TEXT_DELTAS = List.of("Hello", " from", " Gemini");
    public static final String TEXT = String.join("", TEXT_DELTAS);
    public static final List<Double> EMBEDDING = List.of(0.5, -0.25, 0.125);
    public static final String MODEL_VERSION = "gemini-2.5-flash-001";

    private static final Pattern METHOD = Pattern.compile("/v1beta/(models|tunedModels)/([^/:]+):([A-Za-z]+)");
    private static final Set<String> REQUEST_FIELDS = Set.of("contents", "systemInstruction", "generationConfig",
            "tools", "toolConfig", "safetySettings", "cachedContent");
    private static final Set<String> CONFIG_FIELDS = Set.of("temperature", "topP", "topK", "maxOutputTokens",
            "stopSequences", "candidateCount", "responseMimeType", "responseSchema", "responseJsonSchema", "seed",
            "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "thinkingConfig",
            "responseModalities", "mediaResolution", "speechConfig");

    private final Queue<Duration> delays = new ConcurrentLinkedQueue<>();

    public FakeGemini() {
        super("/v1beta");
    }

    /** Holds the next request this long before answering it (queued in order), as a slow model does. */
    public FakeGemini delayNext(Duration delay) {
        delays.add(delay);
        return this;
    }

    /** Forgets queued failures and delays a test left unused, so they cannot answer the next test's requests. */
    public void clearQueues() {
        clearFailures();
        delays.clear();
    }

    /** Gemini's error body: {@code {"error":{"code":…,"message":…,"status":…}}}. */
    public static String error(int code, String status, String message) {
        return Json.write(map("error", map("code", code, "message", message, "status", status)));
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        Map<String, Object> body = parseBody(readBody(ex));
        if (body == null) {
            record(pathWithQuery(ex), ex, Map.of());
            send(ex, 400, error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."));
            return;
        }
        record(pathWithQuery(ex), ex, body);
        Duration delay = delays.poll();
        if (delay != null && !pause(delay)) {
            return;
        }
        if (answerFailure(ex)) {
            return;
        }
        Matcher m = METHOD.matcher(ex.getRequestURI().getPath());
        if (!ex.getRequestMethod().equals("POST") || !m.matches()) {
            send(ex, 404, error(404, "NOT_FOUND", "Requested entity was not found."));
            return;
        }
        String key = ex.getRequestHeaders().getFirst("x-goog-api-key");
        if (key == null || key.isBlank()) {
            send(ex, 403, error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers "
                    + "without established identity). Please use API Key or other form of API consumer identity."));
            return;
        }
        String model = m.group(2);
        switch (m.group(3)) {
            case "generateContent", "streamGenerateContent" -> generate(ex, body, model,
                    m.group(3).equals("streamGenerateContent"));
            case "batchEmbedContents" -> embed(ex, body);
            default -> send(ex, 404, error(404, "NOT_FOUND", "Method not found: " + m.group(3)));
        }
    }

    private void generate(HttpExchange ex, Map<String, Object> body, String model, boolean stream)
            throws IOException {
        String refusal = refusal(body);
        if (refusal != null) {
            send(ex, 400, error(400, "INVALID_ARGUMENT", refusal));
            return;
        }
        String function = functionToCall(body);
        if (!stream) {
            Map<String, Object> part = function == null ? map("text", TEXT)
                    : map("functionCall", map("name", function, "args", map("city", "Paris")));
            send(ex, 200, Json.write(response(List.of(part), "STOP", true)));
            return;
        }
        List<Map<String, Object>> chunks = new ArrayList<>();
        if (function == null) {
            for (int i = 0; i < TEXT_DELTAS.size(); i++) {
                boolean last = i == TEXT_DELTAS.size() - 1;
                chunks.add(response(List.of(map("text", TEXT_DELTAS.get(i))), last ? "STOP" : null, last));
            }
        } else {
            chunks.add(response(List.of(map("functionCall", map("name", function, "args", map("city", "Paris")))),
                    "STOP", true));
        }
        boolean sse = "alt=sse".equals(ex.getRequestURI().getQuery());
        ex.getResponseHeaders().add("Content-Type", sse ? "text/event-stream" : "application/json");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < chunks.size(); i++) {
                String json = Json.write(chunks.get(i));
                // Without alt=sse Gemini streams one JSON array, element by element.
                String frame = sse ? "data: " + json + "\r\n\r\n" : (i == 0 ? "[" : ",\r\n") + json;
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            if (!sse) {
                out.write("]".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** What Gemini would refuse in a generateContent request, or null. */
    private static String refusal(Map<String, Object> body) {
        for (String field : body.keySet()) {
            if (!REQUEST_FIELDS.contains(field)) {
                return "Invalid JSON payload received. Unknown name \"" + field + "\": Cannot find field.";
            }
        }
        if (body.get("generationConfig") instanceof Map<?, ?> config) {
            for (Object field : config.keySet()) {
                if (!CONFIG_FIELDS.contains(field)) {
                    return "Invalid JSON payload received. Unknown name \"" + field
                            + "\" at 'generation_config': Cannot find field.";
                }
            }
        }
        if (!(body.get("contents") instanceof List<?> contents) || contents.isEmpty()) {
            return "* GenerateContentRequest.contents: contents is not specified";
        }
        for (int i = 0; i < contents.size(); i++) {
            if (!(contents.get(i) instanceof Map<?, ?> turn)) {
                return "* GenerateContentRequest.contents[" + i + "]: not an object";
            }
            if (!"user".equals(turn.get("role")) && !"model".equals(turn.get("role"))) {
                return "Please use a valid role: user, model.";
            }
            if (!(turn.get("parts") instanceof List<?> parts) || parts.isEmpty()) {
                return "* GenerateContentRequest.contents[" + i + "].parts: contents.parts must not be empty.";
            }
            for (Object p : parts) {
                if (p instanceof Map<?, ?> part && "".equals(part.get("text"))) {
                    return "Unable to submit request because it has an empty text parameter.";
                }
            }
        }
        return null;
    }

    /** The first declared function when the model should call one (tools given, last turn not a function response). */
    private static String functionToCall(Map<String, Object> body) {
        if (!(body.get("tools") instanceof List<?> tools) || tools.isEmpty()
                || !(tools.getFirst() instanceof Map<?, ?> tool)
                || !(tool.get("functionDeclarations") instanceof List<?> declarations) || declarations.isEmpty()
                || !(declarations.getFirst() instanceof Map<?, ?> declaration)) {
            return null;
        }
        List<?> contents = (List<?>) body.get("contents");
        boolean answered = contents.getLast() instanceof Map<?, ?> last && last.get("parts") instanceof List<?> parts
                && parts.stream().anyMatch(p -> p instanceof Map<?, ?> part && part.containsKey("functionResponse"));
        return answered ? null : String.valueOf(declaration.get("name"));
    }

    /** A GenerateContentResponse with one candidate; usage only when {@code withUsage}. */
    private static Map<String, Object> response(List<Object> parts, String finishReason, boolean withUsage) {
        Map<String, Object> candidate = map("content", map("parts", parts, "role", "model"));
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        candidate.put("index", 0);
        Map<String, Object> r = map("candidates", List.of(candidate));
        if (withUsage) {
            r.put("usageMetadata", map("promptTokenCount", PROMPT_TOKENS, "candidatesTokenCount", CANDIDATES_TOKENS,
                    "totalTokenCount", PROMPT_TOKENS + CANDIDATES_TOKENS));
        }
        r.put("modelVersion", MODEL_VERSION);
        r.put("responseId", "fake-gemini-response");
        return r;
    }

    private void embed(HttpExchange ex, Map<String, Object> body) throws IOException {
        if (!(body.get("requests") instanceof List<?> requests) || requests.isEmpty()) {
            send(ex, 400, error(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: must not be empty"));
            return;
        }
        List<Object> embeddings = new ArrayList<>();
        for (Object ignored : requests) {
            embeddings.add(map("values", EMBEDDING));
        }
        send(ex, 200, Json.write(map("embeddings", embeddings)));
    }

    private static String pathWithQuery(HttpExchange ex) {
        String query = ex.getRequestURI().getRawQuery();
        return ex.getRequestURI().getRawPath() + (query == null ? "" : "?" + query);
    }

    @Override
    protected void send(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
        write(ex, status, body);
    }
}
