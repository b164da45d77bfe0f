package dev.keyway.kernel.policy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Stops running a policy version that keeps being stopped: after {@value #TRIPS} evaluations in a row that ran out
 * of time or memory, it is not run for {@code openNanos} — each request it covers fails at once, as that policy's
 * failure (closed or open, as it is set) — then one evaluation is tried again. A runaway script would otherwise cost
 * the ring its whole time limit, and a fresh context, on every request. Shared by all ring threads.
 */
final class Breakers {
    static final int TRIPS = 3;

    private final long openNanos;
    private final LongSupplier clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    private record State(int stops, long openUntil) {
    }

    Breakers(long openNanos, LongSupplier clock) {
        this.openNanos = openNanos;
        this.clock = clock;
    }

    /** Whether the policy version {@code key} may run now. */
    boolean allows(String key) {
        State s = states.get(key);
        return s == null || s.openUntil() == 0 || clock.getAsLong() - s.openUntil() >= 0;
    }

    /** Records an evaluation: {@code stopped} when the watchdog stopped it (time or memory). */
    void record(String key, boolean stopped) {
        if (!stopped) {
            if (states.containsKey(key)) {
                states.remove(key);
            }
            return;
        }
        if (states.size() > 10_000) {
            states.clear();
        }
        states.compute(key, (k, s) -> {
            int stops = s == null ? 1 : s.stops() + 1;
            return new State(stops, stops >= TRIPS ? clock.getAsLong() + openNanos : 0);
        });
    }
}
