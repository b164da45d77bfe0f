package dev.keyway.kernel.ai;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A circuit breaker per deployment: after {@code failures} consecutive failures it opens and calls skip the
 * deployment for {@code openFor}; then one call is let through (half-open) — success closes it, failure opens it
 * again. Per node, in memory.
 */
final class CircuitBreakers {
    private final int failures;
    private final long openForNanos;
    private final LongSupplier clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    CircuitBreakers(int failures, Duration openFor, LongSupplier nanoClock) {
        this.failures = failures;
        this.openForNanos = openFor.toNanos();
        this.clock = nanoClock;
    }

    private static final class State {
        int consecutive;
        long openUntil;
        boolean probing;
    }

    /** Whether a call may go to {@code deployment} now; a half-open breaker admits one probe at a time. */
    boolean allow(String deployment) {
        State s = states.get(deployment);
        if (s == null) {
            return true;
        }
        synchronized (s) {
            if (s.consecutive < failures) {
                return true;
            }
            if (clock.getAsLong() - s.openUntil < 0 || s.probing) {
                return false;
            }
            s.probing = true;
            return true;
        }
    }

    /** Whether the breaker of {@code deployment} is open (half-open counts as open). No side effect. */
    boolean open(String deployment) {
        State s = states.get(deployment);
        if (s == null) {
            return false;
        }
        synchronized (s) {
            return s.consecutive >= failures;
        }
    }

    /** Ends a half-open probe that gave no verdict (neither success nor failure was recorded). */
    void release(String deployment) {
        State s = states.get(deployment);
        if (s != null) {
            synchronized (s) {
                s.probing = false;
            }
        }
    }

    void success(String deployment) {
        State s = states.get(deployment);
        if (s != null) {
            synchronized (s) {
                s.consecutive = 0;
                s.probing = false;
            }
        }
    }

    void failure(String deployment) {
        State s = states.computeIfAbsent(deployment, k -> new State());
        synchronized (s) {
            s.consecutive++;
            s.probing = false;
            if (s.consecutive >= failures) {
                s.openUntil = clock.getAsLong() + openForNanos;
            }
        }
    }
}
