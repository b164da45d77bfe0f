package dev.keyway.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real HTTP upstream on 127.0.0.1 for proxy tests. Records every request it receives (method, path, query,
 * headers, body) so deny tests can assert that nothing reached it.
 */
public final class FakeUpstream implements AutoCloseable {
    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, HttpHandler> handlers = new ConcurrentHashMap<>();

    /** What the upstream saw. */
    public record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body,
                           boolean complete) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    public FakeUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers requests whose path starts with {@code prefix} with {@code handler}; others get a JSON echo. */
    public FakeUpstream on(String prefix, HttpHandler handler) {
        handlers.put(prefix, handler);
        return this;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Received> received() {
        return received;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        byte[] body;
        try {
            body = ex.getRequestBody().readAllBytes();
        } catch (IOException e) {
            // The body was cut off (the client aborted): record it as incomplete, answer nothing.
            received.add(new Received(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
                    Map.copyOf(ex.getRequestHeaders()), new byte[0], false));
            ex.close();
            return;
        }
        received.add(new Received(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
                Map.copyOf(ex.getRequestHeaders()), body, true));
        for (var h : handlers.entrySet()) {
            if (path.startsWith(h.getKey())) {
                h.getValue().handle(ex);
                return;
            }
        }
        byte[] out = ("{\"method\":\"" + ex.getRequestMethod() + "\",\"path\":\"" + path + "\",\"bytes\":"
                + body.length + "}").getBytes();
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
