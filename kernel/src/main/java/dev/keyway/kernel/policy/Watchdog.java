package dev.keyway.kernel.policy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Stops scripts that run too long or allocate too much. Each evaluating thread owns a {@link Slot}; starting an evaluation costs two
 * field writes. One daemon thread ticks every millisecond while evaluations are running (and parks when none has
 * run for a second): an evaluation past its limit in wall time is checked against the CPU time its thread really
 * used, so a GC pause or a busy machine does not count against a script; past ten times its limit in wall time it
 * is stopped regardless. The bytes the thread allocated since the evaluation began are checked on each tick too
 * (HotSpot's per-thread allocation counter), so a script cannot fill the heap within its time. Stopping interrupts
 * the Context, which throws in the script and leaves the Context usable.
 */
final class Watchdog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Watchdog.class.getName());
    private static final long TICK_NANOS = 1_000_000;
    private static final long IDLE_TICKS = 1_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.ThreadMXBean ALLOCATIONS =
            THREADS instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported() ? t : null;

    /** Why the watchdog stopped an evaluation. */
    enum Reason {
        TIME,
        MEMORY
    }

    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closed;

    Watchdog() {
        thread = Thread.ofPlatform().daemon().name("keyway-policy-watchdog").start(this::loop);
    }

    /** A slot for the calling thread's evaluations; {@code interrupter} stops the evaluation running in it. */
    Slot slot(Runnable interrupter) {
        Slot s = new Slot(Thread.currentThread(), interrupter);
        slots.add(s);
        return s;
    }

    void release(Slot slot) {
        slots.remove(slot);
    }

    private record Run(long seq, long startedAt, long limitNanos, long maxBytes) {
    }

    /** One evaluating thread's state. Only that thread starts and ends evaluations in it. */
    final class Slot {
        private final long threadId;
        private final boolean cpuTimed;
        private final Runnable interrupter;
        private long seq;
        // The evaluation running now, published whole: the watchdog never mixes one evaluation's start with
        // another's sequence or limit.
        private volatile Run running;
        private volatile long interruptedSeq = -1;
        private volatile Reason reason;
        // The watchdog's own view, touched by its thread only.
        private long seenSeq = -1;
        private long cpuAtSeen;
        private long wallBeforeSeen;
        private long bytesAtSeen;

        private Slot(Thread owner, Runnable interrupter) {
            this.threadId = owner.threadId();
            this.cpuTimed = !owner.isVirtual() && THREADS.isThreadCpuTimeSupported();
            this.interrupter = interrupter;
        }

        /**
         * Starts an evaluation with a time limit and a limit on the bytes it may allocate; returns its sequence
         * number for {@link #stoppedByUs}.
         */
        long start(Duration limit, long maxBytes) {
            long s = ++seq;
            running = new Run(s, System.nanoTime(), limit.toNanos(), maxBytes);
            if (sleeping) {
                LockSupport.unpark(thread);
            }
            return s;
        }

        void end() {
            running = null;
        }

        /** Whether the watchdog interrupted evaluation {@code s} (an interrupt from elsewhere is not a timeout). */
        boolean stoppedByUs(long s) {
            return interruptedSeq == s;
        }

        /** Why evaluation {@code s} was stopped (valid when {@link #stoppedByUs} is true). */
        Reason reason() {
            return reason;
        }
    }

    private void loop() {
        long idle = 0;
        while (!closed) {
            boolean busy = false;
            long now = System.nanoTime();
            for (Slot s : slots) {
                Run run = s.running;
                if (run == null) {
                    continue;
                }
                busy = true;
                try {
                    check(s, run, now);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "policy watchdog check failed", e);
                }
            }
            idle = busy ? 0 : idle + 1;
            if (idle >= IDLE_TICKS) {
                sleeping = true;
                // Re-check after announcing: an evaluation that started meanwhile has seen sleeping or is seen here.
                if (slots.stream().noneMatch(s -> s.running != null)) {
                    LockSupport.park(this);
                }
                sleeping = false;
                idle = 0;
            } else {
                LockSupport.parkNanos(this, TICK_NANOS);
            }
        }
    }

    private void check(Slot s, Run run, long now) {
        long seq = run.seq();
        if (s.seenSeq != seq) {
            s.seenSeq = seq;
            s.cpuAtSeen = s.cpuTimed ? THREADS.getThreadCpuTime(s.threadId) : -1;
            s.bytesAtSeen = ALLOCATIONS == null ? -1 : ALLOCATIONS.getThreadAllocatedBytes(s.threadId);
            s.wallBeforeSeen = now - run.startedAt();
        }
        if (s.interruptedSeq == seq) {
            return;
        }
        if (s.bytesAtSeen >= 0 && ALLOCATIONS.getThreadAllocatedBytes(s.threadId) - s.bytesAtSeen > run.maxBytes()) {
            stop(s, run, Reason.MEMORY);
            return;
        }
        long wall = now - run.startedAt();
        if (wall <= run.limitNanos()) {
            return;
        }
        boolean over = wall > 10 * run.limitNanos();
        if (!over) {
            long cpu = s.cpuAtSeen < 0 ? -1 : THREADS.getThreadCpuTime(s.threadId);
            // Before the watchdog first saw the evaluation, its wall time counts as CPU time (at most one tick).
            over = cpu < 0 || cpu - s.cpuAtSeen + s.wallBeforeSeen > run.limitNanos();
        }
        if (over) {
            stop(s, run, Reason.TIME);
        }
    }

    private static void stop(Slot s, Run run, Reason reason) {
        if (s.running == run) {
            s.reason = reason;
            s.interruptedSeq = run.seq();
            // Context.interrupt waits for the script to stop: off this thread, so other slots keep being watched.
            Thread.ofVirtual().start(s.interrupter);
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
