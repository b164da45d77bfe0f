package dev.keyway.kernel.keys;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * New API key secrets: {@code kw-} and 256 random bits in base64url (46 characters). The prefix makes a leaked
 * key recognisable to secret scanners; only the first 8 and last 4 characters are ever shown again.
 */
public final class KeySecrets {
    public static final String PREFIX = "kw-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeySecrets() {
    }

    /** A fresh secret. */
    public static String next() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The displayable start of a secret, e.g. {@code kw-AbC12}. */
    public static String displayPrefix(String secret) {
        return secret.substring(0, Math.min(8, secret.length()));
    }

    /** The last four characters of a secret. */
    public static String lastFour(String secret) {
        return secret.substring(Math.max(0, secret.length() - 4));
    }
}
