package dev.keyway.kernel.config;

import java.util.Set;

/**
 * The decision ring.
 *
 * @param size         slots; a power of two. A full ring answers 503 rather than queueing without bound.
 * @param consumers    threads that run the whole chain, each taking every Nth sequence (1 on 2 cores)
 * @param waitStrategy lite-blocking (default: no idle CPU), phased-backoff (lower hand-off latency), blocking,
 *                     sleeping
 */
public record RingConfig(int size, int consumers, String waitStrategy) {
    static final Set<String> STRATEGIES = Set.of("lite-blocking", "phased-backoff", "blocking", "sleeping");

    public RingConfig {
        if (size < 2 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring.size: " + size + " (expected: a power of two >= 2)");
        }
        if (consumers < 1 || consumers > 64) {
            throw new IllegalArgumentException("ring.consumers: " + consumers + " (expected: 1..64)");
        }
        if (!STRATEGIES.contains(waitStrategy)) {
            throw new IllegalArgumentException("ring.wait-strategy: " + waitStrategy + " (expected: one of "
                    + STRATEGIES + ")");
        }
    }
}
