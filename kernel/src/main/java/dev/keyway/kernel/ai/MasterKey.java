package dev.keyway.kernel.ai;

import dev.keyway.kernel.store.SecretFiles;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts provider credentials at rest: AES-256-GCM under a master key kept outside the store (a file created
 * at first start, or {@code KEYWAY_MASTER_KEY}), a fresh 96-bit nonce per value, and the credential's id as
 * associated data, so a ciphertext copied onto another credential does not decrypt. Stored form:
 * {@code v1:<base64(nonce ‖ ciphertext ‖ tag)>}.
 */
public final class MasterKey {
    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String PREFIX = "v1:";

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    MasterKey(byte[] key) {
        if (key.length < KEY_BYTES) {
            throw new IllegalArgumentException("master key: " + key.length + " bytes (expected: >= " + KEY_BYTES + ")");
        }
        this.key = new SecretKeySpec(java.util.Arrays.copyOf(key, KEY_BYTES), "AES");
    }

    /** The key in {@code file}, created (32 random bytes, owner-only) when missing. */
    public static MasterKey fromFile(Path file) {
        return new MasterKey(SecretFiles.readOrCreate(file, KEY_BYTES, "master key file",
                "without it no stored provider credential can be decrypted"));
    }

    /** The key given as base64 text ({@code KEYWAY_MASTER_KEY}). */
    public static MasterKey fromBase64(String text) {
        return new MasterKey(SecretFiles.decode(Objects.requireNonNull(text, "text"), "KEYWAY_MASTER_KEY", KEY_BYTES));
    }

    /** Encrypts {@code secret} bound to {@code id}. */
    public String encrypt(String id, String secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(id.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                    .put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /**
     * Decrypts a value {@link #encrypt} made for {@code id}.
     *
     * @throws IllegalStateException when it does not decrypt (another master key, another id, or tampering);
     *                               the message never holds key material
     */
    public String decrypt(String id, String stored) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            throw new IllegalStateException("credential " + id + ": not an encrypted value");
        }
        try {
            byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            c.updateAAD(id.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("credential " + id + " does not decrypt with this node's master key "
                    + "(expected: the same KEYWAY_MASTER_KEY_FILE on every node)");
        }
    }

    /** An HMAC of a constant under the key: equal on nodes with the same key, revealing nothing of it. */
    public String fingerprint() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    mac.doFinal("keyway-master-key-fingerprint-v1".getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
