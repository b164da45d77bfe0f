package dev.keyway.plugins.keyauth;

import dev.keyway.spi.Headers;

import java.util.List;
import java.util.Locale;

/**
 * What the caller presented as its API key. Keys are read from headers only, never from the query string (URLs
 * end up in logs and browser history), in this order: {@code Authorization: Bearer <key>}, {@code x-api-key},
 * {@code x-goog-api-key}. The first header that carries a key wins; a later header is not tried when the first
 * one's key is unknown.
 */
sealed interface PresentedKey {
    String AUTHORIZATION = "authorization";
    List<String> HEADERS = List.of(AUTHORIZATION, "x-api-key", "x-goog-api-key");

    /** A key was found in {@code header}. {@link #toString()} never shows the secret. */
    record Found(String header, String secret) implements PresentedKey {
        @Override
        public String toString() {
            return "Found[header=" + header + ", secret=<hidden>]";
        }
    }

    /** No header carried a key. */
    record Absent() implements PresentedKey {
    }

    /** The header that would have been used was sent more than once: ambiguous, so refused. */
    record Repeated(String header) implements PresentedKey {
    }

    /** Looks through the headers in order. */
    static PresentedKey in(Headers headers) {
        for (String name : HEADERS) {
            List<String> values = headers.all(name);
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() > 1) {
                return new Repeated(name);
            }
            String secret = name.equals(AUTHORIZATION) ? bearerToken(values.getFirst()) : values.getFirst().strip();
            if (!secret.isEmpty()) {
                return new Found(name, secret);
            }
        }
        return new Absent();
    }

    /** The token of a {@code Bearer} credential (scheme case-insensitive), or "" for any other scheme. */
    static String bearerToken(String authorization) {
        String value = authorization.strip();
        int space = 0;
        while (space < value.length() && !Character.isWhitespace(value.charAt(space))) {
            space++;
        }
        if (!value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return "";
        }
        return value.substring(space).strip();
    }
}
