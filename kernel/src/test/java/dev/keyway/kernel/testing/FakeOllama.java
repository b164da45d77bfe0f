package dev.keyway.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyway.spi.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A local server speaking Ollama's native API (WIRE.md) at its root: {@code POST /api/chat} answers a text, or, when
 * the request gives tools and its last message is not a tool result, a {@code tool_calls} entry calling the first
 * tool with {@code {"city":"Paris"}} (arguments as an object, no call id, as Ollama sends them). Like Ollama it
 * streams unless the body says {@code "stream": false}: NDJSON ({@code application/x-ndjson}), one chat object per
 * line, the last {@code "done": true} with {@code done_reason}, the token counts and durations in nanoseconds.
 * {@code POST /api/embed} answers one vector per input. Errors are {@code {"error":"…"}}: a body without model or
 * messages is refused with 400; queued failures answer the next requests instead. Records every request it receives.
 */
public final class FakeOllama implements AutoCloseable {
    public static final long PROMPT_EVAL_COUNT = 13;
    public static final long EVAL_COUNT = 6;
    /** The content of each streamed line; joined, the content of a finished answer. */
    public static final List<String> TEXT_DELTAS = List.of("Hello", " from", " Llama");
    public static final String TEXT = String.join("", TEXT_DELTAS);
    public static final List<Double> EMBEDDING = List.of(0.75, 0.0, -0.125);
    static final String CREATED_AT = "2025-05-27T22:54:57.641643Z";

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();

    /** What the fake saw: path, headers and parsed JSON body. */
    public record Received(String path, Map<String, List<String>> headers, Map<String, Object> body) {
        /** The first value of a header, its name matched ignoring case; null when absent. */
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    /** A canned answer given to the next request instead of success. */
    public record Failure(int status, Map<String, String> headers, String body) {
    }

    public FakeOllama() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL a deployment names: the server's root, e.g. {@code http://127.0.0.1:1234}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Received> received() {
        return received;
    }

    /** Answers the next request with this failure (queued in order). */
    public FakeOllama failNext(int status, Map<String, String> headers, String body) {
        failures.add(new Failure(status, headers, body));
        return this;
    }

    /** Forgets queued failures a test left unanswered. */
    public void clearFailures() {
        failures.clear();
    }

    /** Ollama's error body: {@code {"error":"…"}}. */
    public static String error(String message) {
        return Json.write(Map.of("error", message));
    }

    private void handle(HttpExchange ex) throws IOException {
        String raw = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, Object> body;
        try {
            body = raw.isEmpty() ? Map.of() : Json.parseObject(raw);
        } catch (IllegalArgumentException notJson) {
            body = null;
        }
        String path = ex.getRequestURI().getPath();
        received.add(new Received(path, Map.copyOf(ex.getRequestHeaders()), body == null ? Map.of() : body));
        Failure failure = failures.poll();
        if (failure != null) {
            failure.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            send(ex, failure.status(), failure.body());
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

    private static void embed(HttpExchange ex, Map<String, Object> body, String model) throws IOException {
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

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", body.startsWith("{") ? "application/json; charset=utf-8"
                : "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** An ordered JSON object from alternating keys and values. */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
