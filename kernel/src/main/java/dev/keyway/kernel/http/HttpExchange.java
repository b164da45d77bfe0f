package dev.keyway.kernel.http;

import dev.keyway.kernel.pipeline.PhaseLimit;
import dev.keyway.spi.AttributeKey;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.HeaderChanges;
import dev.keyway.spi.Headers;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Protocol;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * The kernel's exchange over a Helidon request. Created on the request's virtual thread, handed to the ring,
 * read back after the decision (the future's completion orders the writes).
 */
final class HttpExchange implements Exchange, PhaseLimit {
    private final String requestId;
    private final Protocol protocol;
    private final String method;
    private final String path;
    private final String rawQuery;
    private final String clientAddress;
    private final String forwardedFor;
    private final RequestHeaders headers;
    private final Map<AttributeKey<?>, Object> attributes = new IdentityHashMap<>(8);
    private final ListHeaderChanges upstream = new ListHeaderChanges();
    private final ListHeaderChanges response = new ListHeaderChanges();
    private List<String[]> gatewayHeaders = List.of();
    private Phase lastPhase;
    private Set<String> removedQueryParameters = Set.of();
    private byte[] body;

    HttpExchange(String requestId, Protocol protocol, String method, String path, String rawQuery,
                 String clientAddress, String forwardedFor, ServerRequestHeaders headers) {
        this.requestId = requestId;
        this.protocol = protocol;
        this.method = method;
        this.path = path;
        this.rawQuery = rawQuery;
        this.clientAddress = clientAddress;
        this.forwardedFor = forwardedFor;
        this.headers = new RequestHeaders(headers);
    }

    /** The {@code X-Forwarded-For} value to send upstream: the chain the trusted proxies vouched for, plus the peer. */
    String forwardedFor() {
        return forwardedFor;
    }

    /**
     * A response header the kernel itself adds (lifecycle headers). {@code append}: added beside the upstream's
     * values of the same name (a {@code Link}); otherwise it replaces them. Stage edits apply after these.
     */
    void gatewayHeader(String name, String value, boolean append) {
        if (gatewayHeaders.isEmpty()) {
            gatewayHeaders = new java.util.ArrayList<>(3);
        }
        gatewayHeaders.add(new String[]{name, value, append ? "append" : "set"});
    }

    List<String[]> gatewayHeaders() {
        return gatewayHeaders;
    }

    /** Keeps the request body, read before the chain (AI routes; REST routes whose policies read bodies). */
    void body(byte[] bytes) {
        this.body = bytes;
    }

    @Override
    public Optional<byte[]> body() {
        return Optional.ofNullable(body);
    }

    /** Runs the chain only up to {@code phase} (null: the whole chain). */
    HttpExchange upTo(Phase phase) {
        this.lastPhase = phase;
        return this;
    }

    @Override
    public Phase lastPhase() {
        return lastPhase;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String rawQuery() {
        return rawQuery;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public String clientAddress() {
        return clientAddress;
    }

    @Override
    public <T> Optional<T> attribute(AttributeKey<T> key) {
        return Optional.ofNullable(key.type().cast(attributes.get(key)));
    }

    @Override
    public <T> void attribute(AttributeKey<T> key, T value) {
        attributes.put(key, key.type().cast(java.util.Objects.requireNonNull(value, "value")));
    }

    @Override
    public HeaderChanges upstreamHeaders() {
        return upstream;
    }

    @Override
    public HeaderChanges responseHeaders() {
        return response;
    }

    @Override
    public void removeQueryParameter(String name) {
        if (removedQueryParameters.isEmpty()) {
            removedQueryParameters = new java.util.HashSet<>(2);
        }
        removedQueryParameters.add(java.util.Objects.requireNonNull(name, "name"));
    }

    /** The query to send upstream: the raw query without the parameters stages removed. */
    @Override
    public String upstreamQuery() {
        if (removedQueryParameters.isEmpty() || rawQuery.isEmpty()) {
            return rawQuery;
        }
        StringBuilder out = new StringBuilder(rawQuery.length());
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String raw = eq < 0 ? pair : pair.substring(0, eq);
            String name;
            try {
                name = java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                name = raw; // malformed escapes: compare as written, never fail the request
            }
            if (!removedQueryParameters.contains(name)) {
                out.append(out.isEmpty() ? "" : "&").append(pair);
            }
        }
        return out.toString();
    }

    /** A read-only view over Helidon's request headers. */
    private record RequestHeaders(ServerRequestHeaders delegate) implements Headers {
        @Override
        public Optional<String> first(String name) {
            return delegate.first(HeaderNames.create(name));
        }

        @Override
        public List<String> all(String name) {
            return delegate.all(HeaderNames.create(name), List::of);
        }

        @Override
        public Set<String> names() {
            return StreamSupport.stream(delegate.spliterator(), false)
                    .map(h -> h.name().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        }
    }
}
