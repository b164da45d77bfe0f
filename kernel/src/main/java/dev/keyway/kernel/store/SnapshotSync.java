package dev.keyway.kernel.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterGroup;
import org.apache.ignite.cluster.ClusterNode;

/**
 * Waits until every other server node's local snapshot holds a write, so a change an admin call made (a revoked
 * subscription, a retired version) is in force on every node's next request, not a few milliseconds later.
 *
 * <p>Snapshots follow the store through continuous-query events that Ignite delivers asynchronously. The writer
 * sends {@code (request, cache, id, hash of the value)} to the other server nodes over Ignite messaging; each
 * waits (off Ignite's threads) until its snapshot holds that value, then acknowledges. The writer waits for every
 * acknowledgement, at most a bound: a node that is slow or leaving delays an admin call, never blocks it.
 */
final class SnapshotSync {
    private static final Logger LOG = Logger.getLogger(SnapshotSync.class.getName());
    private static final String ASK = "keyway-snapshot-sync";
    private static final String ACK = "keyway-snapshot-sync-ack";
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final Ignite ignite;
    private final Function<String, EntityCache<?>> openCaches;
    private final Duration bound;
    private final Map<String, CountDownLatch> waiting = new ConcurrentHashMap<>();

    SnapshotSync(Ignite ignite, Function<String, EntityCache<?>> openCaches, Duration bound) {
        this.ignite = ignite;
        this.openCaches = openCaches;
        this.bound = bound;
        ignite.message().localListen(ASK, (UUID from, Object msg) -> {
            Thread.ofVirtual().name("keyway-snapshot-sync").start(() -> answer(from, (String) msg));
            return true;
        });
        ignite.message().localListen(ACK, (UUID from, Object msg) -> {
            String[] parts = ((String) msg).split("\n", 2);
            if (parts.length == 2 && parts[1].equals("unmatched")) {
                LOG.warning(() -> "snapshot sync: node " + from + " did not reach the awaited value within "
                        + bound.toMillis() + " ms (a newer write, or a node on another version?)");
            }
            CountDownLatch latch = waiting.get(parts[0]);
            if (latch != null) {
                latch.countDown();
            }
            return true;
        });
    }

    /** Returns once every other server node's snapshot of {@code cache} holds {@code json} (null: absent) at id. */
    void await(String cache, String id, String json) {
        ClusterGroup others = ignite.cluster().forServers().forRemotes();
        Set<UUID> nodes = others.nodes().stream().map(ClusterNode::id).collect(java.util.stream.Collectors.toSet());
        if (nodes.isEmpty()) {
            return;
        }
        String request = UUID.randomUUID().toString();
        CountDownLatch latch = new CountDownLatch(nodes.size());
        waiting.put(request, latch);
        try {
            ignite.message(ignite.cluster().forNodeIds(nodes)).send(ASK, String.join("\n", request, cache, id,
                    hash(json)));
            if (!latch.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning(() -> "snapshot sync: " + latch.getCount() + " of " + nodes.size() + " nodes did not "
                        + "confirm " + cache + "/" + id + " within " + bound.toMillis() + " ms; they apply it shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warning(() -> "snapshot sync of " + cache + "/" + id + " failed: " + e);
        } finally {
            waiting.remove(request);
        }
    }

    private void answer(UUID from, String msg) {
        String[] parts = msg.split("\n", 4);
        EntityCache<?> cache = openCaches.apply(parts[1]);
        long deadline = System.nanoTime() + bound.toNanos();
        // A cache this node never opened has no snapshot to wait for.
        boolean matched = cache == null;
        while (!matched && System.nanoTime() < deadline) {
            // currentJson waits for a change being published, so a match means the listeners (route table,
            // indexes) have it too.
            matched = hash(cache.currentJson(parts[2])).equals(parts[3]);
            if (!matched) {
                java.util.concurrent.locks.LockSupport.parkNanos(POLL_NANOS);
            }
        }
        try {
            ignite.message(ignite.cluster().forNodeId(from)).send(ACK, parts[0] + "\n"
                    + (matched ? "matched" : "unmatched"));
        } catch (RuntimeException e) {
            LOG.fine(() -> "snapshot sync: cannot acknowledge to " + from + ": " + e);
        }
    }

    static String hash(String json) {
        if (json == null) {
            return "absent";
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
