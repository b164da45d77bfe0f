package dev.keyway.kernel.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.KeyDirectory;

/**
 * {@link KeyDirectory} over the {@code keyway-keys} snapshot: an index from secret hash to key, kept current by
 * the snapshot's change feed. Lookups hash the presented secret and read memory only.
 */
final class KeyIndex implements KeyDirectory {

    private record Entry(byte[] hash, ApiKey key) {
    }

    private final EntityCache<StoredKey> keys;
    private final KeyHasher hasher;
    private final Map<String, Entry> byHash = new ConcurrentHashMap<>();

    KeyIndex(EntityCache<StoredKey> keys, KeyHasher hasher) {
        this.keys = keys;
        this.hasher = hasher;
        keys.subscribe(this::changed);
    }

    @Override
    public Optional<ApiKey> bySecret(String presentedSecret) {
        if (presentedSecret == null || presentedSecret.isEmpty()) {
            return Optional.empty();
        }
        String hash = hasher.hash(presentedSecret);
        Entry entry = byHash.get(hash);
        // The map lookup already matched; the constant-time comparison keeps timing independent of how much
        // of a stored hash a guess shares, should the index ever be keyed by something else.
        if (entry == null || !MessageDigest.isEqual(entry.hash(), hash.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of(entry.key());
    }

    @Override
    public Optional<ApiKey> byId(String id) {
        return keys.get(id).map(StoredKey::toApiKey);
    }

    // Called under the snapshot's lock, one change at a time.
    private void changed(StoredKey before, StoredKey after) {
        // Same secret (transfer, revoke, rotation grace): replace in place, so a lock-free reader never sees
        // the key missing between a remove and a put.
        if (before != null && (after == null || !before.hash().equals(after.hash()))) {
            byHash.computeIfPresent(before.hash(), (h, e) -> e.key().id().equals(before.id()) ? null : e);
        }
        if (after != null) {
            byHash.put(after.hash(), new Entry(after.hash().getBytes(StandardCharsets.US_ASCII), after.toApiKey()));
        }
    }
}
