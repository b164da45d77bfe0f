package dev.keyway.kernel.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import dev.keyway.spi.ApiKey;

/**
 * An API key as {@code keyway-keys} stores it: the fields of {@link ApiKey} plus the keyed hash of its secret
 * (see {@link KeyHasher}). The secret itself is never stored. {@link #toString()} leaves the hash out.
 *
 * @param hash {@link KeyHasher#hash} of the key's secret
 */
public record StoredKey(String id, String prefix, String lastFour, String userId, String teamId, String appId,
                        ApiKey.Status status, Instant expiresAt, List<String> allowedIps, List<String> scopes,
                        Instant revokeAt, String hash) {

    public StoredKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(hash, "hash");
        allowedIps = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** The stored form of {@code key} whose secret hashes to {@code hash}. */
    public static StoredKey of(ApiKey key, String hash) {
        return new StoredKey(key.id(), key.prefix(), key.lastFour(), key.userId(), key.teamId(), key.appId(),
                key.status(), key.expiresAt(), key.allowedIps(), key.scopes(), key.revokeAt(), hash);
    }

    /** The key as stages see it, without the hash. */
    public ApiKey toApiKey() {
        return new ApiKey(id, prefix, lastFour, userId, teamId, appId, status, expiresAt, allowedIps, scopes,
                revokeAt);
    }

    @Override
    public String toString() {
        return "StoredKey[id=" + id + ", prefix=" + prefix + ", status=" + status + ", appId=" + appId + "]";
    }
}
