package dev.keyway.spi;

import java.util.Optional;

/**
 * Finds API keys. Keys are stored only as keyed hashes; the directory hashes the presented secret with the
 * server's pepper and compares in constant time, so stages never see the pepper or a stored hash.
 */
public interface KeyDirectory {

    /** The key whose secret is {@code presentedSecret}, or empty when no key matches. */
    Optional<ApiKey> bySecret(String presentedSecret);

    /** The key with this non-secret id, or empty. */
    Optional<ApiKey> byId(String id);
}
