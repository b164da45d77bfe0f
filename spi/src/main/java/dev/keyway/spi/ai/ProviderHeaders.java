package dev.keyway.spi.ai;

import java.math.BigDecimal;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/** Reading a provider's response headers, the same way for every wire format. */
public final class ProviderHeaders {

    private ProviderHeaders() {
    }

    /** The first value of header {@code name} (any case), trimmed, or null. */
    public static String first(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (name.equalsIgnoreCase(e.getKey()) && e.getValue() != null && !e.getValue().isEmpty()
                    && e.getValue().getFirst() != null) {
                return e.getValue().getFirst().strip();
            }
        }
        return null;
    }

    /**
     * How long the provider asks to wait, in milliseconds: {@code retry-after-ms} (OpenAI), else
     * {@code Retry-After} as delay seconds or an HTTP-date; -1 when it says nothing usable.
     */
    public static long retryAfterMillis(Map<String, List<String>> headers, long nowMillis) {
        String ms = first(headers, "retry-after-ms");
        if (ms != null) {
            long v = seconds(ms);
            if (v >= 0) {
                return v / 1000;
            }
        }
        return retryAfterMillis(first(headers, "retry-after"), nowMillis);
    }

    /** A {@code Retry-After} value (delay seconds or an HTTP-date) in milliseconds from {@code nowMillis}, or -1. */
    public static long retryAfterMillis(String value, long nowMillis) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        String v = value.strip();
        long seconds = seconds(v);
        if (seconds >= 0) {
            return seconds;
        }
        try {
            long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, at - nowMillis);
        } catch (DateTimeParseException notDate) {
            return -1;
        }
    }

    /** Decimal seconds in milliseconds, or -1 when the text is not a non-negative number. */
    private static long seconds(String text) {
        if (!text.matches("[0-9]{1,12}(\\.[0-9]{1,9})?")) {
            return -1; // plain decimal seconds only: no exponents, signs or absurd lengths
        }
        try {
            BigDecimal s = new BigDecimal(text);
            return s.signum() < 0 ? -1
                    : s.min(BigDecimal.valueOf(Long.MAX_VALUE / 1000)).movePointRight(3).longValue();
        } catch (NumberFormatException notANumber) {
            return -1;
        }
    }
}
