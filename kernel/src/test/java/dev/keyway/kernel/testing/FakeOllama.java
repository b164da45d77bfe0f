package dev.keyway.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import dev.keyway.spi.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A local server speaking Ollama's native API (WIRE.md) at its root: {@code POST /api/chat} answers a text, or, when
 * the request gives tools and its last message is not a tool result, a {@code tool_calls} entry calling the first
 * tool with {@code {"city":"Paris"}} (arguments as an object, no call id, as Ollama sends them). Like Ollama it
 * streams unless the body says {@code "stream": false}: NDJSON ({@code application/x-ndjson}), one chat object per
 * line, the last {@code "done": true} with {@code done_reason}, the token counts and durations in nanoseconds.
 * {@code POST /api/embed} answers one vector per input. Errors are {@code {"error":"…"}}: a body without model or
 * messages is refused with 400; queued failures answer the next requests instead. Records every request it receives.
 */
public final class FakeOllama extends FakeProvider<FakeOllama> {
    public static final long PROMPT_EVAL_COUNT = 13;
    public static final long EVAL_COUNT = 6;
    /** The content of each streamed line; joined, the content of a finished answer. */
    public static final List<String> TEXT_DELTAS = List.of("Hello", " from", " Llama");
    public static final String TEXT = String.join("", TEXT_DELTAS);
    public static final List<Double> EMBEDDING = List.of(0.75, 0.0, -0.125);
    static final String CREATED_AT = "2025-05-27T22:54:57.641643Z";

    public FakeOllama() {
        super("");
    }

    /** Ollama's error body: {@code {"error":"…"}}. */
    public static String error(String message) {
        return Json.write(Map.of("error", message));
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        Map<String, Object> body = parseBody(readBody(ex));
        String path = ex.getRequestURI().getPath();
        record(path, ex, body == null ? Map.of() : body);
        if (answerFailure(ex)) {
            return;
        }
        if (body == null) {
            send(ex, 400, error("invalid character in request body"));
            return;
        }
        if (!ex.getRequestMethod().equals("POST") || !(path.equals("/api/chat") || path.equals("/api/embed"))) {
            send(ex, 404, "404 page not found");
            return;
        }
        if (!(body.get("model") instanceof String model) || model.isEmpty()) {
            send(ex, 400, error("model is required"));
            return;
        }
        if (path.equals("/api/embed")) {
            embed(ex, body, model);
            return;
        }
        if (!(body.get("messages") instanceof List<?> messages)) {
            send(ex, 400, error("messages is required"));
            return;
        }
        String tool = toolToCall(body, messages);
        // Ollama streams unless told not to.
        if (Boolean.FALSE.equals(body.get("stream"))) {
            Map<String, Object> answer = line(model, message(tool == null ? TEXT : "", tool));
            done(answer);
            send(ex, 200, Json.write(answer));
        } else {
            stream(ex, model, tool);
        }
    }

    private static void stream(HttpExchange ex, String model, String tool) throws IOException {
        List<Map<String, Object>> lines = new ArrayList<>();
        if (tool == null) {
            for (String delta : TEXT_DELTAS) {
                lines.add(line(model, message(delta, null)));
            }
        } else {
            lines.add(line(model, message("", tool)));
        }
        Map<String, Object> last = line(model, message("", null));
        done(last);
        lines.add(last);
        ex.getResponseHeaders().add("Content-Type", "application/x-ndjson");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (Map<String, Object> line : lines) {
                out.write((Json.write(line) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    /** The first tool's name when the model should call it: tools given and the last message is no tool result. */
    private static String toolToCall(Map<String, Object> body, List<?> messages) {
        if (!(body.get("tools") instanceof List<?> tools) || tools.isEmpty()
                || !(tools.getFirst() instanceof Map<?, ?> t) || !(t.get("function") instanceof Map<?, ?> fn)) {
            return null;
        }
        boolean answered = !messages.isEmpty() && messages.getLast() instanceof Map<?, ?> last
                && "tool".equals(last.get("role"));
        return answered ? null : String.valueOf(fn.get("name"));
    }

    private static Map<String, Object> message(String content, String tool) {
        Map<String, Object> m = map("role", "assistant", "content", content);
        if (tool != null) {
            m.put("tool_calls", List.of(map("function", map("name", tool, "arguments", map("city", "Paris")))));
        }
        return m;
    }

    private static Map<String, Object> line(String model, Map<String, Object> message) {
        return map("model", model, "created_at", CREATED_AT, "message", message, "done", false);
    }

    /** Marks a line as the last: done, its reason, the token counts and the durations. */
    private static void done(Map<String, Object> line) {
        line.put("done_reason", "stop");
        line.put("done", true);
        line.put("total_duration", 2_400_000_000L);
        line.put("load_duration", 4_000_000L);
        line.put("prompt_eval_count", PROMPT_EVAL_COUNT);
        line.put("prompt_eval_duration", 90_000_000L);
        line.put("eval_count", EVAL_COUNT);
        line.put("eval_duration", 1_900_000_000L);
    }

    private void embed(HttpExchange ex, Map<String, Object> body, String model) throws IOException {
        Object input = body.get("input");
        int count = input instanceof List<?> list ? list.size() : input instanceof String ? 1 : 0;
        if (count == 0) {
            send(ex, 400, error("invalid input type"));
            return;
        }
        List<Object> embeddings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            embeddings.add(EMBEDDING);
        }
        send(ex, 200, Json.write(map("model", model, "embeddings", embeddings, "total_duration", 14_143_917L,
                "load_duration", 1_019_500L, "prompt_eval_count", (long) count * 4)));
    }

    @Override
    protected void send(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", body.startsWith("{") ? "application/json; charset=utf-8"
                : "text/plain; charset=utf-8");
        write(ex, status, body);
    }
}
