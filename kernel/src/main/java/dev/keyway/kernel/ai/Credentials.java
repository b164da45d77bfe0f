package dev.keyway.kernel.ai;

import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredCredential;

import java.util.Optional;

/** Provider credentials: encrypted in the store, decrypted here for one upstream call at a time. */
public final class Credentials {
    private final EntityCache<StoredCredential> stored;
    private final MasterKey key;

    public Credentials(EntityCache<StoredCredential> stored, MasterKey key) {
        this.stored = stored;
        this.key = key;
    }

    /** The secret of credential {@code id}, or empty when there is none with that id. */
    Optional<String> secret(String id) {
        return id == null ? Optional.empty() : stored.get(id).map(c -> key.decrypt(c.id(), c.ciphertext()));
    }

    /** Encrypts a new secret for credential {@code id}. */
    public String seal(String id, String secret) {
        return key.encrypt(id, secret);
    }

    /** A hint people can recognise a secret by, revealing almost nothing: {@code sk-…3f9a}. */
    public static String hint(String secret) {
        if (secret.length() < 12) {
            return "…";
        }
        int dash = secret.indexOf('-');
        String head = dash > 0 && dash <= 6 ? secret.substring(0, dash + 1) : "";
        return head + "…" + secret.substring(secret.length() - 4);
    }
}
