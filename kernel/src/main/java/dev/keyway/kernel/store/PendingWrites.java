package dev.keyway.kernel.store;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * This node's writes to one entity cache whose own continuous-query event (the echo) has not come back yet.
 *
 * <p>A local write updates the snapshot before Ignite, so the writer reads its own write at once. Events of
 * earlier writes to the same id may still be on their way, and Ignite delivers a key's events in cache order:
 * everything that arrives for that id before the echo is older than the local write and must not overwrite it.
 * Not thread-safe: the entity cache calls it under its lock.
 */
final class PendingWrites {

    // An echo lost to a failover must not freeze an id forever: after this, events apply again.
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** One local write; identity matters, two writes of the same JSON are two entries. */
    static final class Write {
        private final String json;
        private final long atNanos = System.nanoTime();

        private Write(String json) {
            this.json = json;
        }
    }

    private final Map<String, ArrayDeque<Write>> byId = new HashMap<>();

    /** Records a local write of {@code json} (null: a removal) to {@code id}, before it is sent to Ignite. */
    Write expect(String id, String json) {
        Write write = new Write(json);
        byId.computeIfAbsent(id, k -> new ArrayDeque<>()).addLast(write);
        return write;
    }

    /** Drops a write that will never echo (removing an absent id raises no event). */
    void forget(String id, Write write) {
        ArrayDeque<Write> writes = byId.get(id);
        if (writes != null && writes.removeIf(w -> w == write) && writes.isEmpty()) {
            byId.remove(id);
        }
    }

    /** Drops every local write to {@code id}: after a failed write, the cache is read back instead. */
    void clear(String id) {
        byId.remove(id);
    }

    /**
     * Whether an event for {@code id} carrying {@code json} (null: removed) must be skipped: it is the echo of
     * the oldest pending local write (consumed here), or an older write still on its way.
     */
    boolean skip(String id, String json) {
        ArrayDeque<Write> writes = byId.get(id);
        if (writes == null) {
            return false;
        }
        if (System.nanoTime() - writes.peekFirst().atNanos > GIVE_UP_NANOS) {
            byId.remove(id);
            return false;
        }
        if (Objects.equals(writes.peekFirst().json, json)) {
            writes.pollFirst();
            if (writes.isEmpty()) {
                byId.remove(id);
            }
        }
        return true;
    }
}
