package dev.keyway.kernel.store;

import java.time.Instant;
import java.util.Objects;

/**
 * An admin session as {@code keyway-sessions} stores it. The id is the SHA-256 (hex) of the session token; the
 * token itself is only ever in the login response and the caller's hands.
 */
public record StoredSession(String id, String userId, Instant createdAt, Instant expiresAt) {

    public StoredSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    @Override
    public String toString() {
        return "StoredSession[userId=" + userId + ", expiresAt=" + expiresAt + "]";
    }
}
