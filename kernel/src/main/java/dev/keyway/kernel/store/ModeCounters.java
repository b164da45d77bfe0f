package dev.keyway.kernel.store;

import dev.keyway.spi.Counters;
import dev.keyway.spi.Limit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Counters in both modes. {@code local}: {@link LocalCounters}, each node alone. {@code cluster}: each node draws
 * on an allotment it leased from {@link ClusterAllotments}; while it holds enough, counting touches only local
 * memory, and a lease is topped up ahead of need on a virtual thread (never the caller's); only an empty lease
 * asks the cluster in line. The leases of all nodes never add up to more than the limit.
 *
 * <p>When the cluster store cannot be reached, a cluster-mode count degrades to local counting (each node then
 * allows the whole limit), logged and counted in {@link #degraded()}.
 */
public final class ModeCounters implements Counters {
    private static final Logger LOG = Logger.getLogger(ModeCounters.class.getName());

    /** The longest a caller waits for the cluster to lease in line (a hanging store counts as unreachable). */
    // Long enough for a busy store in the middle of a topology change (whose operations wait for the partition
    // exchange), short enough that a hanging one cannot hold a ring thread anywhere near the decision timeout.
    static final Duration IN_LINE_WAIT = Duration.ofSeconds(3);
    /** How long a count stays on this node alone after the store failed, before the cluster is asked again. */
    static final long DEGRADED_FOR_MS = 5_000;

    private final LocalCounters local;
    private final Duration inLineWait;
    private final ClusterAllotments cluster;
    private final IntSupplier servers;
    private final LongSupplier clockMs;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong degraded = new java.util.concurrent.atomic.AtomicLong();
    private volatile long lastWarning;
    private volatile int serverCount = 1;
    private volatile long serversReadAt;
    private volatile boolean serversRead;

    ModeCounters(LocalCounters local, ClusterAllotments cluster, IntSupplier servers, LongSupplier clockMs) {
        this(local, cluster, servers, clockMs, IN_LINE_WAIT);
    }

    ModeCounters(LocalCounters local, ClusterAllotments cluster, IntSupplier servers, LongSupplier clockMs,
                 Duration inLineWait) {
        this.local = local;
        this.cluster = cluster;
        this.servers = servers;
        this.clockMs = clockMs;
        this.inLineWait = inLineWait;
    }

    /** This node's lease of one counter's window. Guarded by itself. */
    private static final class Lease {
        long windowStart = Long.MIN_VALUE;
        long left;
        long used;
        long overflow;
        long clusterTotal;
        boolean refilling;
        // The cluster's allowance for this window is used up: refuse here, without asking the store again.
        boolean exhausted;
        // Counting on this node alone until then (the store was unreachable); what was counted that way, so
        // give-backs go where the counts went.
        long degradedUntil = Long.MIN_VALUE;
        long localTaken;
    }

    @Override
    public long add(String key, long delta, Duration window) {
        return local.add(key, delta, window);
    }

    @Override
    public long add(String key, long delta, Duration window, long max, Limit.Mode mode) {
        return add(key, delta, window, max, mode, Limit.OnStoreDown.LOCAL);
    }

    @Override
    public long add(String key, long delta, Duration window, long max, Limit.Mode mode,
                    Limit.OnStoreDown onStoreDown) {
        if (mode != Limit.Mode.CLUSTER) {
            return local.add(key, delta, window);
        }
        long length = window.toMillis();
        long now = clockMs.getAsLong();
        long start = now - Math.floorMod(now, length);
        Lease lease = leases.computeIfAbsent(key + "/" + length, k -> new Lease());
        try {
            synchronized (lease) {
                if (start > lease.windowStart) {
                    // Windows only move forward: a thread with an older clock reading counts in the current one.
                    lease.windowStart = start;
                    lease.left = 0;
                    lease.used = 0;
                    lease.overflow = 0;
                    lease.clusterTotal = 0;
                    lease.exhausted = false;
                    lease.degradedUntil = Long.MIN_VALUE;
                    lease.localTaken = 0;
                }
                start = lease.windowStart;
                if (delta < 0 && lease.localTaken > 0) {
                    long back = Math.min(-delta, lease.localTaken);
                    lease.localTaken -= back;
                    return local.add(key, -back, window);
                }
                if (now < lease.degradedUntil) {
                    lease.localTaken += Math.max(0, delta);
                    return local.add(key, delta, window);
                }
                if (delta < 0) {
                    return giveBack(lease, -delta, max);
                }
                if (lease.left < delta && lease.refilling && !lease.exhausted) {
                    // A top-up is on its way: wait for it (briefly) rather than refuse with units in flight.
                    awaitRefill(lease);
                    if (lease.windowStart != start) {
                        return max + delta; // the window moved on while waiting: refuse this one, it is over
                    }
                }
                if (lease.left < delta && !lease.exhausted) {
                    take(lease, key, start, window, Math.max(delta, chunk(max)), max);
                    lease.exhausted = lease.left < delta;
                }
                if (lease.left < delta) {
                    lease.overflow += delta;
                    return max + lease.overflow;
                }
                lease.left -= delta;
                lease.used += delta;
                if (lease.left < Math.max(1, chunk(max) / 4) && !lease.refilling && !lease.exhausted) {
                    refillLater(lease, key, start, window, max);
                }
                return Math.max(lease.clusterTotal - lease.left, lease.used);
            }
        } catch (RuntimeException e) {
            if (onStoreDown == Limit.OnStoreDown.DENY) {
                throw new IllegalStateException("cluster counters unreachable; limit " + key + " fails closed", e);
            }
            degraded.incrementAndGet();
            synchronized (lease) {
                // Count alone for a while, then try the cluster again.
                lease.degradedUntil = clockMs.getAsLong() + DEGRADED_FOR_MS;
                lease.localTaken += Math.max(0, delta);
            }
            long t = clockMs.getAsLong();
            if (t - lastWarning > 60_000) {
                lastWarning = t;
                LOG.warning(() -> "cluster counters unreachable (" + e.getClass().getSimpleName() + "): counting "
                        + key + " on this node alone until the store answers again");
            }
            return local.add(key, delta, window);
        }
    }

    private static void awaitRefill(Lease lease) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);
        try {
            while (lease.refilling && System.nanoTime() < deadline) {
                lease.wait(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long giveBack(Lease lease, long amount, long max) {
        long fromOverflow = Math.min(amount, lease.overflow);
        lease.overflow -= fromOverflow;
        long rest = amount - fromOverflow;
        lease.left += rest;
        lease.used = Math.max(0, lease.used - rest);
        return Math.max(0, lease.clusterTotal - lease.left) + (lease.overflow > 0 ? max : 0);
    }

    /**
     * Asks the cluster for a lease in line, waiting at most {@link #IN_LINE_WAIT}: a store that hangs must not hold
     * the caller (a ring thread, for request limits). On time-out the grant goes on in the background and its units
     * join the lease when it lands; this call fails like an unreachable store.
     */
    private void take(Lease lease, String key, long start, Duration window, long want, long max) {
        java.util.concurrent.CompletableFuture<ClusterAllotments.Grant> grant = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("keyway-allotment").start(() -> {
            try {
                grant.complete(cluster.grant(key, start, window, want, max));
            } catch (Throwable e) {
                grant.completeExceptionally(e);
            }
        });
        ClusterAllotments.Grant g;
        try {
            g = grant.get(inLineWait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            grant.thenAccept(late -> {
                synchronized (lease) {
                    if (lease.windowStart == start) {
                        lease.left += late.granted();
                        lease.clusterTotal = Math.max(lease.clusterTotal, late.total());
                    }
                }
            });
            throw new IllegalStateException("cluster counters did not answer within " + inLineWait.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the cluster counters", e);
        }
        lease.left += g.granted();
        lease.clusterTotal = g.total();
    }

    private void refillLater(Lease lease, String key, long start, Duration window, long max) {
        lease.refilling = true;
        Thread.ofVirtual().name("keyway-allotment").start(() -> {
            try {
                ClusterAllotments.Grant g = cluster.grant(key, start, window, chunk(max), max);
                synchronized (lease) {
                    if (lease.windowStart == start) {
                        lease.exhausted |= g.granted() == 0;
                        lease.left += g.granted();
                        lease.clusterTotal = Math.max(lease.clusterTotal, g.total());
                    }
                }
            } catch (RuntimeException e) {
                degraded.incrementAndGet();
            } finally {
                synchronized (lease) {
                    lease.refilling = false;
                    lease.notifyAll();
                }
            }
        });
    }

    /** How much a node leases at a time: an eighth of an equal share per server, so leftovers on idle nodes stay small. */
    private long chunk(long max) {
        long now = clockMs.getAsLong();
        if (!serversRead || now - serversReadAt > 5_000) {
            serversRead = true;
            serversReadAt = now;
            serverCount = Math.max(1, servers.getAsInt());
        }
        return Math.max(1, Math.min(10_000, max / (8L * serverCount)));
    }

    /** Cluster-mode counts that fell back to local counting because the store could not be reached. */
    public long degraded() {
        return degraded.get();
    }
}
