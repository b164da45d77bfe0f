package dev.keyway.kernel.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;

/**
 * Configuration entities of one type, stored as JSON in a replicated cache and mirrored in a local snapshot.
 *
 * <p>Reads ({@link #get}, {@link #all}) only touch the snapshot: they never block on the network and are safe on
 * ring threads. A continuous query keeps the snapshot current with writes made by any node of the cluster.
 * Writes ({@link #put}, {@link #remove}) update the snapshot at once, then Ignite, so the writer reads its own
 * write; events of older writes to the same id still on their way are then skipped ({@link PendingWrites}).
 * A stored value that cannot be read as {@code T} is logged (without its content) and reads as absent.
 *
 * @param <T> the entity type, usually a record with a value-based {@code equals}
 */
public final class EntityCache<T> {

    private static final Logger LOG = Logger.getLogger(EntityCache.class.getName());

    private final IgniteCache<String, String> cache;
    private final Class<T> type;
    private final Function<T, String> idOf;
    private final Map<String, T> snapshot = new ConcurrentHashMap<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<T, T>> entryListeners = new CopyOnWriteArrayList<>();
    // Serialises snapshot changes with entry-listener calls, so indexes built on them see every change once,
    // in order. Reads do not take it.
    private final Object lock = new Object();
    // Held across a change and its change listeners, so listeners run one change at a time and in order (a route
    // table rebuilt for an older change never replaces one built for a newer), and so SnapshotSync can tell
    // when a change has reached the listeners' structures too, not just the snapshot.
    private final Object publish = new Object();
    private final PendingWrites pendingWrites = new PendingWrites();
    // Events that arrive while the initial scan runs; null once it is done.
    private List<Change<T>> initialScan = new ArrayList<>();
    private final QueryCursor<Cache.Entry<String, String>> query;
    private final SnapshotSync sync;

    EntityCache(IgniteCache<String, String> cache, Class<T> type, Function<T, String> idOf, SnapshotSync sync) {
        this.cache = cache;
        this.sync = sync;
        this.type = type;
        this.idOf = idOf;
        var continuous = new ContinuousQuery<String, String>()
                .setInitialQuery(new ScanQuery<>())
                .setLocalListener(new Listener());
        this.query = cache.query(continuous);
        // Ignite delivers every change made after the listener was registered, but the scan runs concurrently
        // with them: events that arrive during the scan wait and are applied after it, in order.
        Map<String, T> scanned = new HashMap<>();
        for (Cache.Entry<String, String> e : query) {
            T value = decode(e.getKey(), e.getValue());
            if (value != null) {
                scanned.put(e.getKey(), value);
            }
        }
        synchronized (lock) {
            snapshot.putAll(scanned);
            initialScan.forEach(this::applyLocked);
            initialScan = null;
        }
    }

    /** The entity with this id from the local snapshot, or empty. Never blocks on the network. */
    public Optional<T> get(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(snapshot.get(id));
    }

    /** Every entity in the local snapshot, ordered by id. */
    public List<T> all() {
        return snapshot.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList();
    }

    /** Stores {@code value} under its id cluster-wide; blocks until every node holds it. */
    public void put(T value) {
        Objects.requireNonNull(value, "value");
        String id = Objects.requireNonNull(idOf.apply(value), "id");
        String json = Json.write(value);
        applyLocal(id, json, value);
        try {
            cache.put(id, json);
        } catch (RuntimeException e) {
            resync(id, e);
            throw e;
        }
    }

    /**
     * Stores {@code next} only if the stored entity is still {@code expected} (compare-and-set across the
     * cluster); false when another writer changed it first, and then the snapshot shows what that writer stored.
     * For read-modify-write changes that must not lose a concurrent one (e.g. a revocation).
     */
    public boolean replace(T expected, T next) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(next, "next");
        String id = Objects.requireNonNull(idOf.apply(next), "id");
        if (!id.equals(idOf.apply(expected))) {
            throw new IllegalArgumentException("replace: ids differ (" + idOf.apply(expected) + ", " + id + ")");
        }
        String json = Json.write(next);
        applyLocal(id, json, next);
        boolean replaced;
        try {
            replaced = cache.replace(id, Json.write(expected), json);
        } catch (RuntimeException e) {
            resync(id, e);
            throw e;
        }
        if (!replaced) {
            resync(id, null);
        }
        return replaced;
    }

    /**
     * {@link #replace}, or a {@link ConcurrentChangeException} naming the entity when another writer came first.
     */
    public void update(T expected, T next) {
        if (!replace(expected, next)) {
            throw new ConcurrentChangeException(idOf.apply(next) + " was changed by another request meanwhile; "
                    + "read it again and retry");
        }
    }

    /**
     * Returns once every other server node's snapshot shows what this node's snapshot shows for {@code id}
     * (bounded; see {@link SnapshotSync}). Call after a write whose effect must hold on every node's next request:
     * revocations, suspensions, lifecycle moves.
     */
    public void awaitEverywhere(String id) {
        if (sync != null) {
            sync.await(name(), id, currentJson(id));
        }
    }

    /** The snapshot's value for {@code id} as JSON, or null when absent. */
    String currentJson(String id) {
        synchronized (publish) {
            T value = snapshot.get(id);
            return value == null ? null : Json.write(value);
        }
    }

    /** Removes the entity with this id cluster-wide; true when it existed. */
    public boolean remove(String id) {
        Objects.requireNonNull(id, "id");
        PendingWrites.Write write = applyLocal(id, null, null);
        boolean existed;
        try {
            existed = cache.remove(id);
        } catch (RuntimeException e) {
            resync(id, e);
            throw e;
        }
        if (!existed) {
            synchronized (lock) {
                pendingWrites.forget(id, write);
            }
        }
        return existed;
    }

    /**
     * Runs {@code listener} after each change of the snapshot: on the writing thread for a local write, on an
     * Ignite system thread for a remote one. Keep it short and in memory (read snapshots, swap a reference);
     * it must not block or call Ignite, which could stall or deadlock the node's update path.
     */
    public void onChange(Runnable listener) {
        changeListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Calls {@code listener(before, after)} for every entity now in the snapshot (as {@code (null, value)}) and
     * then for every change, in order and never concurrently; null means absent. For indexes over the snapshot.
     */
    void subscribe(BiConsumer<T, T> listener) {
        synchronized (lock) {
            snapshot.values().forEach(v -> listener.accept(null, v));
            entryListeners.add(listener);
        }
    }

    String name() {
        return cache.getName();
    }

    Class<T> type() {
        return type;
    }

    void close() {
        query.close();
    }

    /** Applies a local write to the snapshot before it goes to Ignite, so the writer reads it at once. */
    private PendingWrites.Write applyLocal(String id, String json, T value) {
        synchronized (publish) {
            PendingWrites.Write write;
            boolean changed;
            synchronized (lock) {
                write = pendingWrites.expect(id, json);
                changed = applyLocked(new Change<>(id, value));
            }
            notifyIf(changed);
            return write;
        }
    }

    /** An event from the continuous query: a change made by any node, this one included. */
    private void onEvent(String id, String json) {
        T value = json == null ? null : decode(id, json);
        synchronized (publish) {
            boolean changed;
            synchronized (lock) {
                if (initialScan != null) {
                    initialScan.add(new Change<>(id, value));
                    return;
                }
                if (pendingWrites.skip(id, json)) {
                    return;
                }
                changed = applyLocked(new Change<>(id, value));
            }
            notifyIf(changed);
        }
    }

    /** After a failed write the snapshot may hold a value the cache does not: read the cache's truth back. */
    private void resync(String id, RuntimeException cause) {
        try {
            String json = cache.get(id);
            T value = json == null ? null : decode(id, json);
            synchronized (publish) {
                boolean changed;
                synchronized (lock) {
                    pendingWrites.clear(id);
                    changed = applyLocked(new Change<>(id, value));
                }
                notifyIf(changed);
            }
        } catch (RuntimeException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    private boolean applyLocked(Change<T> change) {
        T before = change.value() == null ? snapshot.remove(change.id()) : snapshot.put(change.id(), change.value());
        if (Objects.equals(before, change.value())) {
            return false;
        }
        for (BiConsumer<T, T> listener : entryListeners) {
            listener.accept(before, change.value());
        }
        return true;
    }

    private void notifyIf(boolean changed) {
        if (!changed) {
            return;
        }
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "change listener of " + name() + " failed", e);
            }
        }
    }

    private T decode(String id, String json) {
        try {
            return Json.read(json, type);
        } catch (IOException | RuntimeException e) {
            // Parser messages quote the offending text, which may be sensitive: log where, not what.
            LOG.warning(() -> name() + ": value of id '" + id + "' is not a readable " + type.getSimpleName()
                    + " (" + e.getClass().getSimpleName() + "); treating it as absent");
            return null;
        }
    }

    private record Change<V>(String id, V value) {
    }

    // Runs on Ignite's own threads and only touches memory. Not @IgniteAsyncCallback: measured on two nodes, it
    // delayed events for keys the listening node is primary for by ~500 ms (p90 508 ms against 1 ms without).
    private final class Listener implements CacheEntryUpdatedListener<String, String> {
        @Override
        public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
            for (CacheEntryEvent<? extends String, ? extends String> e : events) {
                try {
                    boolean gone = e.getEventType() == EventType.REMOVED || e.getEventType() == EventType.EXPIRED;
                    onEvent(e.getKey(), gone ? null : e.getValue());
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, name() + ": failed to apply a change of id '" + e.getKey() + "'", ex);
                }
            }
        }
    }
}
