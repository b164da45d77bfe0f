package dev.keyway.perf;

import dev.keyway.spi.AttributeKey;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.HeaderChanges;
import dev.keyway.spi.Headers;
import dev.keyway.spi.Protocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A fixed GET request for ring benchmarks: no headers, attributes in a small map. One instance per producer
 * thread, reused for every operation; that is safe because the producer waits for the decision (which
 * publishes the consumer's writes) before it submits the exchange again.
 */
final class BenchExchange implements Exchange {
    private static final Headers NO_HEADERS = new Headers() {
        @Override
        public Optional<String> first(String name) {
            return Optional.empty();
        }

        @Override
        public List<String> all(String name) {
            return List.of();
        }

        @Override
        public Set<String> names() {
            return Set.of();
        }
    };

    private final Map<AttributeKey<?>, Object> attributes = new HashMap<>();
    private final Changes upstream = new Changes();
    private final Changes response = new Changes();
    private final String requestId;

    BenchExchange(String requestId) {
        this.requestId = requestId;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public Protocol protocol() {
        return Protocol.REST;
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public String path() {
        return "/bench/item";
    }

    @Override
    public String rawQuery() {
        return "";
    }

    @Override
    public Headers headers() {
        return NO_HEADERS;
    }

    @Override
    public String clientAddress() {
        return "127.0.0.1";
    }

    @Override
    public <T> Optional<T> attribute(AttributeKey<T> key) {
        return Optional.ofNullable(key.type().cast(attributes.get(key)));
    }

    @Override
    public <T> void attribute(AttributeKey<T> key, T value) {
        attributes.put(key, key.type().cast(value));
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
        // The benchmark's stages never remove query parameters.
    }

    private static final class Changes implements HeaderChanges {
        private final List<Change> changes = new ArrayList<>();

        @Override
        public void set(String name, String value) {
            changes.add(new Change(name, value));
        }

        @Override
        public void remove(String name) {
            changes.add(new Change(name, null));
        }

        @Override
        public List<Change> changes() {
            return List.copyOf(changes);
        }
    }
}
