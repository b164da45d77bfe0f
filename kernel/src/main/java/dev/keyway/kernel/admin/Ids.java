package dev.keyway.kernel.admin;

import java.util.concurrent.ThreadLocalRandom;

/** Non-secret object ids: a type prefix and 64 random bits in hex, e.g. {@code t-3f9c0a7b12e4d5c6}. */
final class Ids {
    private Ids() {
    }

    static String next(String prefix) {
        return prefix + "-" + String.format("%016x", ThreadLocalRandom.current().nextLong());
    }

    /**
     * An id whose text sorts by creation time (12 hex digits of epoch millis, then 8 random), for records where
     * "the most recent" must be readable from the id alone (the subscription index picks by it).
     */
    static String timeOrdered(String prefix, java.time.Instant at) {
        return prefix + "-" + String.format("%012x%08x", at.toEpochMilli(), ThreadLocalRandom.current().nextInt());
    }
}
