package dev.keyway.kernel.http;

import dev.keyway.spi.HeaderChanges;
import dev.keyway.spi.ServiceVersion;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls a REST upstream on the request's own virtual thread and streams the answer back. Never runs on a ring
 * thread. Upstreams are tried round-robin, skipping ones that recently refused connections; idempotent requests
 * without a body are retried on another upstream when the connection fails.
 */
final class Proxy implements AutoCloseable {
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    private static final Set<String> GATEWAY_SET = Set.of("x-forwarded-for", "x-forwarded-proto",
            "x-forwarded-host", "x-request-id");
    private static final long UNHEALTHY_NANOS = Duration.ofSeconds(5).toNanos();

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Integer, HttpClient> clients = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> cursors = new ConcurrentHashMap<>();
    private final Map<String, Long> unhealthyUntil = new ConcurrentHashMap<>();

    /**
     * What happened upstream.
     *
     * @param status    the status sent to the caller
     * @param errorCode the gateway error code, or null when the upstream answered
     * @param upstream  the upstream base URL used, or null
     */
    record Outcome(int status, String errorCode, String message, String upstream) {
        static Outcome error(int status, String code, String message, String upstream) {
            return new Outcome(status, code, message, upstream);
        }
    }

    /** Forwards the request; on success the response has been streamed to the caller. */
    Outcome forward(HttpExchange exchange, RouteTable.Route route, ServerRequest req, ServerResponse res,
                    long maxBody) throws IOException {
        ServiceVersion service = route.version();
        OptionalLong length = req.headers().contentLength();
        boolean chunked = req.headers().contains(HeaderNames.TRANSFER_ENCODING);
        boolean hasBody = chunked || (length.isPresent() && length.getAsLong() > 0);
        byte[] read = exchange.body().orElse(null);
        if (read != null) {
            // Read before the chain (a policy reads it): sent as read, with its real length.
            length = OptionalLong.of(read.length);
            hasBody = read.length > 0;
        }
        LimitedInputStream body = !hasBody ? null : new LimitedInputStream(read != null
                ? new java.io.ByteArrayInputStream(read) : req.content().inputStream(), maxBody);
        boolean retryable = !hasBody && IDEMPOTENT.contains(exchange.method());
        int attempts = retryable ? 1 + Math.max(0, service.retries()) : 1;
        String upstream = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            upstream = pick(route.service().id(), service);
            HttpRequest request = request(exchange, route, req, upstream, body, length);
            HttpResponse<InputStream> response;
            try {
                response = client(service.connectTimeoutMs()).send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpConnectTimeoutException e) {
                markUnhealthy(upstream);
                return Outcome.error(504, "upstream_timeout", "upstream did not accept the connection within "
                        + service.connectTimeoutMs() + " ms", upstream);
            } catch (HttpTimeoutException e) {
                return Outcome.error(504, "upstream_timeout", "upstream did not answer within "
                        + service.readTimeoutMs() + " ms", upstream);
            } catch (ConnectException e) {
                markUnhealthy(upstream);
                continue;
            } catch (IOException e) {
                if (body != null && body.exceeded()) {
                    return Outcome.error(413, "request_too_large", "request body larger than " + maxBody
                            + " bytes", upstream);
                }
                if (isConnectFailure(e)) {
                    markUnhealthy(upstream);
                    continue;
                }
                return Outcome.error(502, "upstream_error", "upstream connection failed: "
                        + e.getClass().getSimpleName(), upstream);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.error(503, "interrupted", "request interrupted", upstream);
            }
            stream(exchange, response, res);
            return new Outcome(response.statusCode(), null, null, upstream);
        }
        return Outcome.error(502, "upstream_unreachable", "no upstream of service '" + route.service().name()
                + "' " + service.version() + " accepted the connection", upstream);
    }

    private static boolean isConnectFailure(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    private HttpRequest request(HttpExchange exchange, RouteTable.Route route, ServerRequest req, String upstream,
                                InputStream body, OptionalLong length) {
        String upstreamQuery = exchange.upstreamQuery();
        String query = upstreamQuery.isEmpty() ? "" : "?" + upstreamQuery;
        String base = upstream.endsWith("/") ? upstream.substring(0, upstream.length() - 1) : upstream;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + route.remainder() + query))
                .timeout(Duration.ofMillis(route.version().readTimeoutMs()));
        String connection = req.headers().first(HeaderNames.CONNECTION).orElse(null);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header h : req.headers()) {
            if (!HopByHop.skipRequest(h.name(), connection) && !GATEWAY_SET.contains(h.name().toLowerCase(Locale.ROOT))) {
                headers.put(h.name(), h.allValues());
            }
        }
        headers.put("X-Forwarded-For", List.of(exchange.forwardedFor()));
        headers.put("X-Forwarded-Proto", List.of(req.isSecure() ? "https" : "http"));
        if (req.authority() != null) {
            headers.put("X-Forwarded-Host", List.of(req.authority()));
        }
        headers.put("X-Request-Id", List.of(exchange.requestId()));
        for (HeaderChanges.Change c : exchange.upstreamHeaders().changes()) {
            if (c.isRemoval()) {
                headers.remove(c.name());
            } else if (!HopByHop.skipRequest(c.name(), null)) {
                headers.put(c.name(), List.of(c.value()));
            }
        }
        headers.forEach((name, values) -> values.forEach(v -> b.header(name, v)));
        HttpRequest.BodyPublisher publisher;
        if (body == null) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else if (length.isPresent()) {
            publisher = HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> body), length.getAsLong());
        } else {
            publisher = HttpRequest.BodyPublishers.ofInputStream(() -> body);
        }
        return b.method(exchange.method(), publisher).build();
    }

    private static void stream(HttpExchange exchange, HttpResponse<InputStream> response, ServerResponse res)
            throws IOException {
        res.status(response.statusCode());
        response.headers().map().forEach((name, values) -> {
            if (!HopByHop.skipResponse(name) && !name.startsWith(":")) {
                res.header(name, values.toArray(String[]::new));
            }
        });
        res.header("X-Request-Id", exchange.requestId());
        DataPlane.applyResponseChanges(exchange, res);
        OptionalLong length = response.headers().firstValueAsLong("content-length");
        try (InputStream in = response.body()) {
            if (length.isPresent()) {
                res.contentLength(length.getAsLong());
            }
            if (length.isPresent() && length.getAsLong() == 0) {
                res.send();
                return;
            }
            try (OutputStream out = res.outputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    // Flush when the upstream has nothing more buffered: keeps SSE and chunked streams live
                    // without a flush per read on large bodies.
                    if (in.available() == 0) {
                        out.flush();
                    }
                }
            }
        }
    }

    private String pick(String serviceId, ServiceVersion version) {
        List<String> ups = version.upstreams();
        int start = Math.floorMod(cursors.computeIfAbsent(serviceId + "/" + version.version(),
                        k -> new AtomicInteger()).getAndIncrement(),
                ups.size());
        long now = System.nanoTime();
        for (int i = 0; i < ups.size(); i++) {
            String candidate = ups.get((start + i) % ups.size());
            Long until = unhealthyUntil.get(candidate);
            if (until == null || until - now < 0) {
                return candidate;
            }
        }
        return ups.get(start);
    }

    private void markUnhealthy(String upstream) {
        unhealthyUntil.put(upstream, System.nanoTime() + UNHEALTHY_NANOS);
    }

    private HttpClient client(int connectTimeoutMs) {
        return clients.computeIfAbsent(connectTimeoutMs, ms -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(ms))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build());
    }

    @Override
    public void close() {
        clients.values().forEach(HttpClient::close);
        executor.close();
    }
}
