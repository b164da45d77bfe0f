package dev.keyway.kernel.store;

import dev.keyway.spi.Limit;

import java.util.Objects;

/**
 * A limit as stored: the spi view plus the team it belongs to (who sees and changes it).
 *
 * @param limit  the limit
 * @param teamId the owning team (the service's, or the subject's), or null for a system-level limit
 */
public record StoredLimit(Limit limit, String teamId) {
    public StoredLimit {
        Objects.requireNonNull(limit, "limit");
    }

    public String id() {
        return limit.id();
    }
}
