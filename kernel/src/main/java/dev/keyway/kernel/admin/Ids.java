package dev.keyway.kernel.admin;

import java.util.concurrent.ThreadLocalRandom;

/** Non-secret object ids: a type prefix and 64 random bits in hex, e.g. {@code t-3f9c0a7b12e4d5c6}. */
final class Ids {
    private Ids() {
    }

    static String next(String prefix) {
        return prefix + "-" + String.format("%016x", ThreadLocalRandom.current().nextLong());
    }
}
