package dev.keyway.kernel.identity;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.User;

import java.util.List;
import java.util.Optional;

/**
 * The active API keys a user owns, and the two ways to deal with them before the user is deleted: revoke them,
 * or hand them to another active user who is a member of each key's team. A key's id, hash and everything
 * else stay as they are, so a transferred key keeps working for its callers without a change.
 */
public final class OwnedKeys {
    private final EntityCache<StoredKey> keys;
    private final UserDirectory users;

    public OwnedKeys(IgniteStore store, UserDirectory users) {
        this.keys = store.entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        this.users = users;
    }

    /** The ACTIVE keys of {@code userId}, ordered by id. */
    public List<StoredKey> activeOf(String userId) {
        return keys.all().stream().filter(k -> userId.equals(k.userId()) && k.status() == ApiKey.Status.ACTIVE)
                .toList();
    }

    /**
     * Why {@code key} cannot move to {@code to}, or empty when it can: the new owner must be active and, for a
     * key issued within a team, a member of that team.
     */
    public Optional<String> whyNotTransferable(StoredKey key, StoredUser to) {
        if (to.status() != User.Status.ACTIVE) {
            return Optional.of("user '" + to.id() + "' is disabled");
        }
        if (key.teamId() != null && !users.isMember(to.id(), key.teamId())) {
            return Optional.of("key " + key.id() + " belongs to team " + key.teamId() + ", of which user '"
                    + to.id() + "' is not a member");
        }
        return Optional.empty();
    }

    /** Revokes {@code key} at once; returns the stored result. */
    public StoredKey revoke(StoredKey key) {
        StoredKey revoked = new StoredKey(key.id(), key.prefix(), key.lastFour(), key.userId(), key.teamId(),
                key.appId(), ApiKey.Status.REVOKED, key.expiresAt(), key.allowedIps(), key.scopes(), key.revokeAt(),
                key.hash());
        keys.update(key, revoked);
        return revoked;
    }

    /** Makes {@code toUserId} the owner of {@code key}; returns the stored result. */
    public StoredKey transfer(StoredKey key, String toUserId) {
        StoredKey moved = new StoredKey(key.id(), key.prefix(), key.lastFour(), toUserId, key.teamId(), key.appId(),
                key.status(), key.expiresAt(), key.allowedIps(), key.scopes(), key.revokeAt(), key.hash());
        keys.update(key, moved);
        return moved;
    }
}
