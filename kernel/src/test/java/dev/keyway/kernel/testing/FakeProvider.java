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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * What every provider fake shares: a JDK server on a free loopback port answering on virtual threads, the requests
 * it received, and a queue of canned failures answered instead of success. A subclass speaks one wire format: it
 * parses and records each request, answers a queued failure first, and writes answers in its provider's shape.
 *
 * @param <F> the fake itself, so queuing calls chain on the concrete type
 */
public abstract class FakeProvider<F extends FakeProvider<F>> implements AutoCloseable {
    private final HttpServer server;
    private final String basePath;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();

    /** What the fake saw: path (with the query where the fake records it), headers and parsed JSON body. */
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

    /** Starts the server; {@code basePath} is what {@link #baseUrl()} adds to its root (empty for the root). */
    protected FakeProvider(String basePath) {
        this.basePath = basePath;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        // Bound now, called per request: the port is unknown to callers until this constructor returns.
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers one request in the provider's wire format. */
    protected abstract void handle(HttpExchange ex) throws IOException;

    /** Writes a whole answer with the provider's content type and headers. */
    protected abstract void send(HttpExchange ex, int status, String body) throws IOException;

    /** The base URL a deployment names, e.g. {@code http://127.0.0.1:1234/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + basePath;
    }

    public List<Received> received() {
        return received;
    }

    /** Answers the next request with this failure (queued in order). */
    public F failNext(int status, Map<String, String> headers, String body) {
        failures.add(new Failure(status, headers, body));
        return self();
    }

    /** Forgets queued failures a test left unanswered, so they cannot answer the next test's requests. */
    public void clearFailures() {
        failures.clear();
    }

    @SuppressWarnings("unchecked")
    private F self() {
        return (F) this;
    }

    /** The request body as UTF-8 text. */
    protected static String readBody(HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** A request body as a JSON object: empty when there is no body, null when it is not a JSON object. */
    protected static Map<String, Object> parseBody(String raw) {
        try {
            return raw.isEmpty() ? Map.of() : Json.parseObject(raw);
        } catch (IllegalArgumentException notJson) {
            return null;
        }
    }

    /** Records a request under {@code path} with its headers and parsed body. */
    protected final void record(String path, HttpExchange ex, Map<String, Object> body) {
        received.add(new Received(path, Map.copyOf(ex.getRequestHeaders()), body));
    }

    /** Answers the next queued failure, if any, with its headers; whether one was answered. */
    protected final boolean answerFailure(HttpExchange ex) throws IOException {
        Failure failure = failures.poll();
        if (failure == null) {
            return false;
        }
        failure.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        send(ex, failure.status(), failure.body());
        return true;
    }

    /** Sends {@code body} with a fixed length; headers must already be set. */
    protected static void write(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Sleeps for {@code pause}; false when interrupted (the interrupt flag is restored). */
    protected static boolean pause(Duration pause) {
        try {
            Thread.sleep(pause);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An ordered JSON object from alternating keys and values (values may be null). */
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
