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
 * @param scopes     service ids or model names the key is limited to; empty means whatever its app may use
 */
public record ApiKey(String id, String prefix, String lastFour, String userId, String teamId, String appId,
                     Status status, Instant expiresAt, List<String> allowedIps, List<String> scopes) {

    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** A key's state. */
    public enum Status { ACTIVE, REVOKED }
}
