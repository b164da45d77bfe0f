package dev.keyway.plugins.keyauth;

import dev.keyway.spi.Headers;

import java.util.List;
import java.util.Locale;

/**
 * What the caller presented as its API key. Keys are read from headers, in this order: {@code Authorization:
 * Bearer <key>}, {@code x-api-key}, {@code x-goog-api-key}. The first header that carries a key wins; a later
 * header is not tried when the first one's key is unknown. The query string is read only when the service opted
 * in by naming a parameter (URLs end up in logs and browser history), and only when no header carries a key.
 */
sealed interface PresentedKey {
    String AUTHORIZATION = "authorization";
    List<String> HEADERS = List.of(AUTHORIZATION, "x-api-key", "x-goog-api-key");

    /**
     * A key was found in {@code header} (or, when {@code queryParam} is set, in that query parameter).
     * {@link #toString()} never shows the secret.
     */
    record Found(String header, String secret, String queryParam) implements PresentedKey {
        Found(String header, String secret) {
            this(header, secret, null);
        }

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

    /** Looks through the headers in order, then the opted-in query parameter (null: none). */
    static PresentedKey in(Headers headers, String rawQuery, String queryParam) {
        PresentedKey fromHeaders = in(headers);
        if (!(fromHeaders instanceof Absent) || queryParam == null || rawQuery == null || rawQuery.isEmpty()) {
            return fromHeaders;
        }
        List<String> values = new java.util.ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (name.equals(queryParam)) {
                values.add(eq < 0 ? "" : decode(pair.substring(eq + 1)).strip());
            }
        }
        if (values.size() > 1) {
            return new Repeated("query parameter " + queryParam);
        }
        if (values.isEmpty() || values.getFirst().isEmpty()) {
            return fromHeaders;
        }
        return new Found("query parameter " + queryParam, values.getFirst(), queryParam);
    }

    /** The names of the query parameters whose decoded value is {@code secret}. */
    static List<String> parametersHolding(String rawQuery, String secret) {
        List<String> names = new java.util.ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return names;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && decode(pair.substring(eq + 1)).strip().equals(secret)) {
                names.add(decode(pair.substring(0, eq)));
            }
        }
        return names;
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
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
