package dev.keyway.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * A minimal OpenAI-compatible upstream for {@link AiLatencyBench}: {@code POST /v1/chat/completions} answers a
 * fixed small {@code chat.completion} with usage, or, when the body has {@code "stream":true}, an SSE stream in
 * OpenAI's framing (WIRE.md): a first chunk (role) at once, three content chunks {@code chunkGap} apart, a finish
 * chunk, a usage chunk when {@code stream_options.include_usage} is set, then {@code data: [DONE]}. Every event is
 * flushed on its own, so a caller sees the first one as soon as the headers.
 *
 * <p>JDK {@code com.sun.net.httpserver} on 127.0.0.1 with a virtual thread per request. Deliberately separate from
 * the kernel's test fakes (perf must not depend on test classes) and doing no more than the bench needs: it
 * parses the body (the same cost whether Keyway or the bench sent it) and records nothing but a count.
 */
final class FakeChatUpstream implements AutoCloseable {
    static final String CONTENT = "Hello from the fake upstream";
    /** How the provider credential Keyway sends starts; the bench's own calls carry a Keyway API key instead. */
    static final String GATEWAY_SECRET = "sk-perf-";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE = "{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18}";

    private final HttpServer server;
    private final Duration chunkGap;
    private final LongAdder served = new LongAdder();
    private final LongAdder upgrades = new LongAdder();
    private final LongAdder gatewayCalls = new LongAdder();
    private final Set<Integer> gatewayPorts = ConcurrentHashMap.newKeySet();

    /**
     * Starts the server on a free loopback port.
     *
     * @param chunkGap the pause before each content chunk of a stream (zero: the whole stream at once)
     */
    FakeChatUpstream(Duration chunkGap) {
        this.chunkGap = chunkGap;
        // Without TCP_NODELAY the server's separate header and body writes can meet Nagle's algorithm and the
        // client's delayed ACK (40 ms stalls). Read once, when the server class initialises.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The base URL a deployment names, e.g. {@code http://127.0.0.1:1234/v1}. */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Requests answered so far. */
    long served() {
        return served.sum();
    }

    /** Requests that carried an {@code Upgrade} header (a JDK HttpClient left at HTTP/2 asks for h2c). */
    long upgrades() {
        return upgrades.sum();
    }

    /** Requests that came from the gateway: those with the provider credential ({@link #GATEWAY_SECRET}). */
    long gatewayCalls() {
        return gatewayCalls.sum();
    }

    /**
     * Client ports those requests came from: about the connections the gateway opened (a port can come back after
     * TIME_WAIT, so a long run under-counts).
     */
    long gatewayConnections() {
        return gatewayPorts.size();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, 405, "{\"error\":{\"message\":\"POST only\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            JsonNode body = JSON.readTree(ex.getRequestBody());
            String model = body.path("model").asText("unknown");
            served.increment();
            if (ex.getRequestHeaders().containsKey("Upgrade")) {
                upgrades.increment();
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.startsWith("Bearer " + GATEWAY_SECRET)) {
                gatewayCalls.increment();
                gatewayPorts.add(ex.getRemoteAddress().getPort());
            }
            if (body.path("stream").asBoolean(false)) {
                stream(ex, model, body.path("stream_options").path("include_usage").asBoolean(false));
            } else {
                send(ex, 200, "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
                        + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"" + CONTENT + "\"},\"finish_reason\":\"stop\"}],\"usage\":" + USAGE + "}");
            }
        }
    }

    private void stream(HttpExchange ex, String model, boolean usage) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        String head = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":";
        OutputStream out = ex.getResponseBody();
        event(out, head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
        for (String part : new String[]{"Hello from", " the fake", " upstream"}) {
            pause();
            event(out, head + "{\"content\":\"" + part + "\"},\"finish_reason\":null}]}");
        }
        event(out, head + "{},\"finish_reason\":\"stop\"}]}");
        if (usage) {
            event(out, "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"" + model + "\",\"choices\":[],\"usage\":" + USAGE + "}");
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.close();
    }

    private void pause() throws IOException {
        if (chunkGap.isZero()) {
            return;
        }
        try {
            Thread.sleep(chunkGap);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted mid-stream", e);
        }
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
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
