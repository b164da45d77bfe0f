package dev.keyway.kernel.store;

import java.util.Objects;
import java.util.Optional;

import org.apache.ignite.IgniteCache;

/**
 * Small cluster-wide string settings in {@code keyway-meta}: schema version, bootstrap markers, and the like.
 * The cache is replicated, so {@link #get} reads local memory (about a microsecond); writes block until every
 * node holds the value. Not for secrets: values are readable by anyone with access to the data folder.
 */
public final class MetaStore {

    private final IgniteCache<String, String> cache;

    MetaStore(IgniteCache<String, String> cache) {
        this.cache = cache;
    }

    /** The value of {@code key}, or empty when it was never set. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(cache.get(Objects.requireNonNull(key, "key")));
    }

    /** Sets {@code key} to {@code value}, replacing any previous value. */
    public void put(String key, String value) {
        cache.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /**
     * Sets {@code key} only when it has no value yet, atomically across the cluster: of several nodes racing to
     * bootstrap, exactly one gets {@code true}.
     */
    public boolean putIfAbsent(String key, String value) {
        return cache.putIfAbsent(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /** Sets {@code key} to {@code next} only while it holds {@code expected}, atomically across the cluster. */
    public boolean replace(String key, String expected, String next) {
        return cache.replace(Objects.requireNonNull(key, "key"), Objects.requireNonNull(expected, "expected"),
                Objects.requireNonNull(next, "next"));
    }

    /** Removes {@code key} only while it holds {@code expected}; true when it did. */
    public boolean remove(String key, String expected) {
        return cache.remove(Objects.requireNonNull(key, "key"), Objects.requireNonNull(expected, "expected"));
    }

    /** Removes {@code key}; true when it had a value. */
    public boolean remove(String key) {
        return cache.remove(Objects.requireNonNull(key, "key"));
    }
}
