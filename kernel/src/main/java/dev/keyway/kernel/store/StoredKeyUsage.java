package dev.keyway.kernel.store;

import java.time.Instant;
import java.util.Objects;

/**
 * When a key was issued and last used, kept apart from {@link StoredKey} so usage updates never rewrite the key.
 * {@code lastUsedAt} is coarse (updated at most once per interval per node) to keep writes off the request path.
 */
public record StoredKeyUsage(String id, Instant createdAt, Instant lastUsedAt) {
    public StoredKeyUsage {
        Objects.requireNonNull(id, "id");
    }
}
