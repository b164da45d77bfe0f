package dev.keyway.kernel.config;

import io.helidon.config.Config;

import java.time.Duration;

/**
 * The JavaScript policy runtime.
 *
 * @param timeout     the time limit of one evaluation when a policy sets none (CPU time of the evaluating thread,
 *                    so a GC pause or a busy machine does not count against a script)
 * @param loadTimeout the time limit for loading a policy's module (its top-level code) into a context
 * @param maxTimeout  the most a policy may ask for
 * @param maxAllocationBytes the most one evaluation may allocate (the evaluating thread's allocation counter)
 */
public record PolicyConfig(Duration timeout, Duration loadTimeout, Duration maxTimeout, long maxAllocationBytes) {
    public PolicyConfig {
        if (maxAllocationBytes < 1 << 20) {
            throw new IllegalArgumentException("policies.max-allocation-bytes: " + maxAllocationBytes
                    + " (expected: at least 1048576)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("policies.timeout: " + timeout + " (expected: > 0)");
        }
        if (loadTimeout.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("policies.load-timeout: " + loadTimeout + " (expected: ≥ timeout)");
        }
        if (maxTimeout.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("policies.max-timeout: " + maxTimeout + " (expected: ≥ timeout)");
        }
    }

    /** The defaults: 5 ms per evaluation, 500 ms to load a module, at most 1 s per evaluation, 64 MiB each. */
    public static PolicyConfig defaults() {
        return new PolicyConfig(Duration.ofMillis(5), Duration.ofMillis(500), Duration.ofSeconds(1), 64L << 20);
    }

    static PolicyConfig from(Config c) {
        PolicyConfig d = defaults();
        return new PolicyConfig(c.get("timeout").as(Duration.class).orElse(d.timeout()),
                c.get("load-timeout").as(Duration.class).orElse(d.loadTimeout()),
                c.get("max-timeout").as(Duration.class).orElse(d.maxTimeout()),
                c.get("max-allocation-bytes").asLong().orElse(d.maxAllocationBytes()));
    }
}
