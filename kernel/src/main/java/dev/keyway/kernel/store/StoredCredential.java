package dev.keyway.kernel.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A provider credential (API key, token) as stored: encrypted under the master key, never in clear text.
 *
 * @param id         credential id (the encryption's associated data)
 * @param teamId     owning team, or null for a system-level credential
 * @param name       a label
 * @param provider   the provider it is for
 * @param ciphertext the secret, AES-GCM encrypted ({@code v1:…})
 * @param hint       a masked hint for people, e.g. {@code sk-…3f9a}
 * @param createdAt  when it was stored
 */
public record StoredCredential(String id, String teamId, String name, String provider, String ciphertext, String hint,
                               Instant createdAt) {

    public StoredCredential {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ciphertext, "ciphertext");
    }

    /** The ciphertext stays out of the text (logs). */
    @Override
    public String toString() {
        return "StoredCredential[id=" + id + ", teamId=" + teamId + ", name=" + name + ", provider=" + provider
                + ", hint=" + hint + "]";
    }
}
