package dev.keyway.kernel.identity;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Hashes passwords with PBKDF2-HMAC-SHA256 from the JDK, encoded as
 * {@code pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>} with a 16-byte random salt and a 32-byte hash.
 * The iteration count travels with each hash, so a hash made with other settings still verifies. Thread-safe; one hash costs about 0.2-0.5 s at the default.
 */
public final class PasswordHasher {
    /** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_ITERATIONS = 600_000;

    private static final String SCHEME = "pbkdf2-sha256";
    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    // A stored count above this is corrupt, not stronger: refuse it rather than spin for minutes.
    private static final int MAX_ITERATIONS = 10_000_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;

    /** A hasher with {@code iterations} rounds; production uses {@link #standard()}, tests may use fewer. */
    public PasswordHasher(int iterations) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations: " + iterations + " (expected: 1.." + MAX_ITERATIONS + ")");
        }
        this.iterations = iterations;
    }

    /** The production hasher: {@value #DEFAULT_ITERATIONS} iterations. */
    public static PasswordHasher standard() {
        return new PasswordHasher(DEFAULT_ITERATIONS);
    }

    public int iterations() {
        return iterations;
    }

    /** A new salted hash of {@code password}, in the encoded form. */
    public String hash(String password) {
        Objects.requireNonNull(password, "password");
        byte[] salt = random(SALT_BYTES);
        return encode(salt, derive(password, salt, iterations));
    }

    /**
     * An encoded hash that no password matches but that costs as much to {@link #verify} against: for logins
     * where there is no real hash (unknown user), so the answer takes as long as a wrong password. Free to make.
     */
    public String decoy() {
        return encode(random(SALT_BYTES), random(HASH_BITS / 8));
    }

    private String encode(byte[] salt, byte[] hash) {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * Whether {@code password} matches {@code encoded}, compared in constant time. A malformed or null
     * {@code encoded} never matches.
     */
    public boolean verify(String password, String encoded) {
        Objects.requireNonNull(password, "password");
        Parsed parsed = Parsed.of(encoded);
        if (parsed == null) {
            return false;
        }
        return MessageDigest.isEqual(parsed.hash(), derive(password, parsed.salt(), parsed.iterations()));
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    private record Parsed(int iterations, byte[] salt, byte[] hash) {
        static Parsed of(String encoded) {
            if (encoded == null) {
                return null;
            }
            String[] parts = encoded.split("\\$", -1);
            if (parts.length != 4 || !parts[0].equals(SCHEME)) {
                return null;
            }
            try {
                int iterations = Integer.parseInt(parts[1]);
                byte[] salt = Base64.getDecoder().decode(parts[2]);
                byte[] hash = Base64.getDecoder().decode(parts[3]);
                if (iterations < 1 || iterations > MAX_ITERATIONS || salt.length == 0 || hash.length * 8 != HASH_BITS) {
                    return null;
                }
                return new Parsed(iterations, salt, hash);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
