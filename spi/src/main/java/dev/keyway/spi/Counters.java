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

    /**
     * As {@link #add(String, long, Duration)}, for a limit of {@code max} per window counted as {@code mode} says.
     * In {@link Limit.Mode#CLUSTER} mode the result exceeds {@code max} exactly when the cluster's allowance for the
     * window is used up (a node draws on allotments it leased from the cluster, so the common case needs no network
     * round trip); a negative delta gives back what an earlier call of this node took, refused ones first.
     *
     * @return the window's total after the addition, as this node sees it
     */
    default long add(String key, long delta, Duration window, long max, Limit.Mode mode) {
        return add(key, delta, window);
    }

    /**
     * As {@link #add(String, long, Duration, long, Limit.Mode)}; when the cluster store cannot be reached,
     * {@code onStoreDown} says whether to count on this node alone or to throw {@link IllegalStateException} (the
     * caller refuses the request: fail closed).
     */
    default long add(String key, long delta, Duration window, long max, Limit.Mode mode,
                     Limit.OnStoreDown onStoreDown) {
        return add(key, delta, window, max, mode);
    }
}
