package dev.keyway.kernel.keys;

import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredKeyUsage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records when keys were last used. Called from the call-record thread (never the request path); writes a key's
 * usage at most once per {@code resolution} so a busy key costs one store write an hour, not one per request.
 */
public final class KeyUsage {
    private final EntityCache<StoredKeyUsage> usage;
    private final Clock clock;
    private final Duration resolution;
    private final Map<String, Instant> written = new ConcurrentHashMap<>();

    public KeyUsage(EntityCache<StoredKeyUsage> usage, Clock clock, Duration resolution) {
        this.usage = usage;
        this.clock = clock;
        this.resolution = resolution;
    }

    /** A key was just used successfully. */
    public void used(String keyId) {
        Instant now = clock.instant();
        Instant last = written.get(keyId);
        if (last != null && last.plus(resolution).isAfter(now)) {
            return;
        }
        written.put(keyId, now);
        StoredKeyUsage before = usage.get(keyId).orElse(new StoredKeyUsage(keyId, null, null));
        usage.put(new StoredKeyUsage(keyId, before.createdAt(), now));
    }

    /** A key was issued. */
    public void issued(String keyId) {
        usage.put(new StoredKeyUsage(keyId, clock.instant(), null));
    }

    /** When the key was last used, else when it was issued, else null. */
    public Instant lastActivity(String keyId) {
        return usage.get(keyId).map(u -> u.lastUsedAt() != null ? u.lastUsedAt() : u.createdAt()).orElse(null);
    }

    /** The stored usage of a key, if any. */
    public java.util.Optional<StoredKeyUsage> of(String keyId) {
        return usage.get(keyId);
    }
}
