package dev.keyway.kernel.identity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a password must be: at least {@value #MIN_LENGTH} characters (and at most {@value #MAX_LENGTH}), not
 * containing the username, and not one of the common passwords shipped in {@code common-passwords.txt}, all
 * compared case-insensitively. Length and the common list follow NIST SP 800-63B; there are deliberately no
 * character-class rules. Messages never quote the password.
 */
public final class PasswordPolicy {
    public static final int MIN_LENGTH = 12;
    // Long enough for any passphrase; bounded so a request cannot make the KDF chew on a megabyte.
    public static final int MAX_LENGTH = 1024;
    private static final String COMMON_LIST = "/common-passwords.txt";

    private final Set<String> common;

    private PasswordPolicy(Set<String> common) {
        this.common = Set.copyOf(common);
    }

    /** The policy with the shipped list of common passwords; fails when the list is missing (fail closed). */
    public static PasswordPolicy standard() {
        try (InputStream in = PasswordPolicy.class.getResourceAsStream(COMMON_LIST)) {
            if (in == null) {
                throw new IllegalStateException(COMMON_LIST + " is missing from the classpath");
            }
            Set<String> words = new HashSet<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String word = line.strip();
                if (!word.isEmpty() && !word.startsWith("#")) {
                    words.add(word.toLowerCase(Locale.ROOT));
                }
            }
            return new PasswordPolicy(words);
        } catch (IOException e) {
            throw new UncheckedIOException(COMMON_LIST + " could not be read", e);
        }
    }

    /** How many common passwords the policy refuses. */
    public int commonCount() {
        return common.size();
    }

    /**
     * Every rule {@code password} breaks for the user {@code username}, as messages for the caller; empty when it
     * is acceptable.
     *
     * @param username the user's login name, or null when not known yet (the username rule is then skipped)
     */
    public List<String> violations(String password, String username) {
        Objects.requireNonNull(password, "password");
        List<String> out = new ArrayList<>();
        int length = password.codePointCount(0, password.length());
        if (length < MIN_LENGTH) {
            out.add("must be at least " + MIN_LENGTH + " characters");
        }
        if (length > MAX_LENGTH) {
            out.add("must be at most " + MAX_LENGTH + " characters");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (username != null && !username.isBlank() && lower.contains(username.strip().toLowerCase(Locale.ROOT))) {
            out.add("must not contain the username");
        }
        if (common.contains(lower)) {
            out.add("is one of the most common passwords; choose a less guessable one, e.g. a passphrase of "
                    + "several unrelated words");
        }
        return out;
    }
}
