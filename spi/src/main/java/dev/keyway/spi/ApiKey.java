package dev.keyway.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An API key as stages see it: never the secret, never the stored hash.
 *
 * @param id         non-secret id, e.g. {@code k-7f3a…}; safe to show in errors and logs
 * @param prefix     the displayable start of the key, e.g. {@code kw-AbC1}
 * @param lastFour   the key's last four characters
 * @param userId     the owner user's id (the user may no longer exist: that is what identify checks)
 * @param teamId     the team the key was issued within
 * @param appId      the app the key was issued for
 * @param status     active or revoked
 * @param expiresAt  expiry, or null for none
 * @param allowedIps client IPs or CIDR ranges allowed to use the key; empty means any
 * @param scopes     service ids the key is limited to (model names join them with the AI gateway); empty means
 *                   whatever its app may use
 * @param revokeAt   when set, the key counts as revoked from this instant on (the grace end of a rotation);
 *                   null for none
 */
public record ApiKey(String id, String prefix, String lastFour, String userId, String teamId, String appId,
                     Status status, Instant expiresAt, List<String> allowedIps, List<String> scopes,
                     Instant revokeAt) {

    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** Whether the key is revoked at {@code now}: revoked outright, or past its rotation grace. */
    public boolean revokedAt(Instant now) {
        return status == Status.REVOKED || (revokeAt != null && !now.isBefore(revokeAt));
    }

    /** Whether the key has expired at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** A key's state. */
    public enum Status { ACTIVE, REVOKED }
}
