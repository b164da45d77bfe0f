package dev.keyway.spi;

import java.time.Duration;

/**
 * Windowed counters for limits. A counter is named by a key ({@code "rpm:key:k-123"}) and counts within fixed
 * windows of the given length aligned to the epoch. Implementations must not block on the network in the common
 * case; the kernel decides how counts are shared across a cluster.
 */
@FunctionalInterface
public interface Counters {

    /**
     * Adds {@code delta} (may be negative, to settle a reservation) to the current window of {@code key}.
     *
     * @return the window's total after the addition
     */
    long add(String key, long delta, Duration window);
}
