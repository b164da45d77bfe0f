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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A local server speaking OpenAI's Chat Completions and Embeddings wire format (WIRE.md): non-streamed answers,
 * SSE streams ending in {@code [DONE]} with a usage chunk only when {@code stream_options.include_usage} is set,
 * tool calls (when the request defines tools) streamed as argument fragments, and queued failures (status,
 * headers, body) for retry and fallback tests. Records every request it receives.
 */
public final class FakeOpenAi implements AutoCloseable {
    public static final long PROMPT_TOKENS = 12;
    public static final long COMPLETION_TOKENS = 5;

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final Queue<java.time.Duration> stalls = new ConcurrentLinkedQueue<>();

    /** What the fake saw: path, headers (lower-case names) and parsed JSON body. */
    public record Received(String path, Map<String, List<String>> headers, Map<String, Object> body) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    /** A canned failure answered to the next request instead of success. */
    public record Failure(int status, Map<String, String> headers, String body) {
    }

    public FakeOpenAi() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL a deployment names, e.g. {@code http://127.0.0.1:1234/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public List<Received> received() {
        return received;
    }

    /** Answers the next request with this failure (queued in order). */
    public FakeOpenAi failNext(int status, Map<String, String> headers, String body) {
        failures.add(new Failure(status, headers, body));
        return this;
    }

    /** The next stream sends its first chunk, then nothing for {@code pause} (a provider stalling mid-answer). */
    public FakeOpenAi stallNext(java.time.Duration pause) {
        stalls.add(pause);
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        Map<String, Object> body = Json.parseObject(new String(ex.getRequestBody().readAllBytes(),
                StandardCharsets.UTF_8));
        received.add(new Received(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body));
        Failure failure = failures.poll();
        if (failure != null) {
            failure.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            send(ex, failure.status(), "application/json", failure.body());
            return;
        }
        if (ex.getRequestURI().getPath().endsWith("/embeddings")) {
            send(ex, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                    + "\"embedding\":[0.25,-0.5,0.125]}],\"model\":\"" + body.get("model") + "\",\"usage\":"
                    + "{\"prompt_tokens\":3,\"total_tokens\":3}}");
            return;
        }
        boolean tools = body.containsKey("tools");
        if (Boolean.TRUE.equals(body.get("stream"))) {
            stream(ex, body, tools, stalls.poll());
        } else {
            String message = tools
                    ? "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}"
                    : "{\"role\":\"assistant\",\"content\":\"Hello world\"}";
            send(ex, 200, "application/json", "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\","
                    + "\"created\":1700000000,\"model\":\"" + body.get("model") + "\",\"choices\":[{\"index\":0,"
                    + "\"message\":" + message + ",\"finish_reason\":\"" + (tools ? "tool_calls" : "stop") + "\"}],"
                    + "\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS + ",\"completion_tokens\":" + COMPLETION_TOKENS
                    + ",\"total_tokens\":" + (PROMPT_TOKENS + COMPLETION_TOKENS) + "}}");
        }
    }

    private static void stream(HttpExchange ex, Map<String, Object> body, boolean tools, java.time.Duration stall)
            throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        String head = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"" + body.get("model") + "\",\"choices\":[{\"index\":0,\"delta\":";
        try (OutputStream out = ex.getResponseBody()) {
            event(out, head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
            if (stall != null) {
                try {
                    Thread.sleep(stall);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (tools) {
                event(out, head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}");
                for (String part : List.of("{\\\"ci", "ty\\\":\\\"Par", "is\\\"}")) {
                    event(out, head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + part
                            + "\"}}]},\"finish_reason\":null}]}");
                }
                event(out, head + "{},\"finish_reason\":\"tool_calls\"}]}");
            } else {
                for (String part : List.of("Hello", " wor", "ld")) {
                    event(out, head + "{\"content\":\"" + part + "\"},\"finish_reason\":null}]}");
                }
                event(out, head + "{},\"finish_reason\":\"stop\"}]}");
            }
            Object options = body.get("stream_options");
            if (options instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("include_usage"))) {
                event(out, "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"" + body.get("model") + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":"
                        + PROMPT_TOKENS + ",\"completion_tokens\":" + COMPLETION_TOKENS + ",\"total_tokens\":"
                        + (PROMPT_TOKENS + COMPLETION_TOKENS) + "}}");
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
