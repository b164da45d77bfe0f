package dev.keyway.kernel.store;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import dev.keyway.spi.Counters;

/**
 * The {@code local} counter mode: each node counts in its own memory, so a limit of N per window is N per node.
 * Windows are fixed, aligned to the epoch ({@code [k * window, (k+1) * window)}), and a counter's window is
 * replaced when time moves past it. A counter is identified by its key and its window length together.
 *
 * <p>{@link #add} never blocks on I/O. Ended windows are dropped by a sweep that runs every
 * {@value #SWEEP_EVERY_MS} ms on the common pool, off the calling (ring) thread.
 */
final class LocalCounters implements Counters {

    static final long SWEEP_EVERY_MS = 10_000;

    private record Slot(String key, long windowMs) {
    }

    private static final class Window {
        final long start;
        final long end;
        final AtomicLong count = new AtomicLong();

        Window(long start, long end) {
            this.start = start;
            this.end = end;
        }
    }

    private final Map<Slot, Window> windows = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;
    private final Executor sweeper;
    private final AtomicLong nextSweepMs;

    LocalCounters() {
        this(System::currentTimeMillis, ForkJoinPool.commonPool());
    }

    LocalCounters(LongSupplier clockMs, Executor sweeper) {
        this.clockMs = clockMs;
        this.sweeper = sweeper;
        this.nextSweepMs = new AtomicLong(clockMs.getAsLong() + SWEEP_EVERY_MS);
    }

    @Override
    public long add(String key, long delta, Duration window) {
        long length = window.toMillis();
        if (length <= 0) {
            throw new IllegalArgumentException("window: " + window + " (expected: at least 1 ms)");
        }
        long now = clockMs.getAsLong();
        long start = now - Math.floorMod(now, length);
        Slot slot = new Slot(key, length);
        Window w = windows.get(slot);
        if (w == null || w.start < start) {
            // Keep a newer window if a thread with a later clock reading already moved it on.
            w = windows.compute(slot, (s, cur) -> cur != null && cur.start >= start ? cur : new Window(start, start + length));
        }
        long total = w.count.addAndGet(delta);
        long sweepAt = nextSweepMs.get();
        if (now >= sweepAt && nextSweepMs.compareAndSet(sweepAt, now + SWEEP_EVERY_MS)) {
            sweeper.execute(() -> evictEnded(clockMs.getAsLong()));
        }
        return total;
    }

    /** Drops every window that ended at or before {@code nowMs}. */
    void evictEnded(long nowMs) {
        windows.values().removeIf(w -> w.end <= nowMs);
    }

    int size() {
        return windows.size();
    }
}
