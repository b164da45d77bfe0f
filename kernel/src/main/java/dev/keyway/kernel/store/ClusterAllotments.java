package dev.keyway.kernel.store;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.cache.expiry.CreatedExpiryPolicy;

import org.apache.ignite.IgniteCache;

/**
 * The cluster's side of {@code cluster}-mode limits: for each counter and window, how much of the allowance the
 * nodes have leased in total, in a partitioned cache. A grant is a compare-and-set on that total, so the leases of
 * all nodes together never exceed the limit. Entries expire after their window.
 */
final class ClusterAllotments {
    private final IgniteCache<String, String> cache;

    ClusterAllotments(IgniteCache<String, String> cache) {
        this.cache = cache;
    }

    /**
     * Leases up to {@code want} of {@code max} for {@code key}'s window starting at {@code windowStart}.
     *
     * @return what was granted (0 when the allowance is used up) and the cluster total after the grant
     */
    Grant grant(String key, long windowStart, Duration window, long want, long max) {
        String k = key + "@" + windowStart;
        IgniteCache<String, String> c = cache.withExpiryPolicy(new CreatedExpiryPolicy(
                new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, window.toMillis() + 60_000)));
        for (int attempt = 0; attempt < 1000; attempt++) {
            String current = c.get(k);
            long used = current == null ? 0 : Long.parseLong(current);
            long granted = Math.min(want, max - used);
            if (granted <= 0) {
                return new Grant(0, used);
            }
            String next = Long.toString(used + granted);
            boolean ok = current == null ? c.putIfAbsent(k, next) : c.replace(k, current, next);
            if (ok) {
                return new Grant(granted, used + granted);
            }
        }
        throw new IllegalStateException("counter " + key + ": 1000 concurrent updates lost in a row");
    }

    /**
     * A lease.
     *
     * @param granted how much this node may count
     * @param total   the cluster's leased total after this grant
     */
    record Grant(long granted, long total) {
    }
}
