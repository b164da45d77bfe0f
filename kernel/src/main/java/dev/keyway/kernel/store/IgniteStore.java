package dev.keyway.kernel.store;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.apache.ignite.cluster.BaselineNode;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;

/**
 * The kernel's store: an embedded Ignite server node and the caches the kernel keeps in it.
 *
 * <p>{@link #start} returns once the node is active and every cache exists. A persistent node that was never
 * activated (a fresh data folder) is activated here, which also makes it the baseline; a restarted node
 * activates by itself once all baseline nodes are back. Several stores may run in one JVM (tests): each node
 * gets a unique instance name.
 */
public final class IgniteStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(IgniteStore.class.getName());
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    // A restarted node waits for the rest of its baseline to come back before the cluster turns active.
    private static final long ACTIVATION_WAIT_MS = TimeUnit.SECONDS.toMillis(60);
    // Later nodes join the baseline after this long; a node that is back within it causes no rebalancing.
    private static final long BASELINE_ADJUST_MS = TimeUnit.SECONDS.toMillis(60);

    // How long an admin write waits for other nodes' snapshots to hold it (SnapshotSync).
    private static final Duration SYNC_BOUND = Duration.ofSeconds(2);

    private final Ignite ignite;
    private final StoreConfig config;
    private final Map<String, EntityCache<?>> entities = new ConcurrentHashMap<>();
    private final CallRecordSink calls;
    private final MetaStore meta;
    private final Activation activation;
    private final SnapshotSync sync;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** How the cluster became active when this store started. */
    enum Activation {
        /** Active when the node came up: a restarted persistent node, an in-memory one, or a join. */
        ACTIVE_AT_START("active at start"),
        /** A fresh persistent cluster, activated here; its baseline is this node. */
        ACTIVATED_NEW("activated a new cluster"),
        /** A restarted persistent node that waited for the rest of its baseline. */
        AUTO_ACTIVATED("activated once its baseline was complete");

        private final String text;

        Activation(String text) {
            this.text = text;
        }
    }

    private IgniteStore(Ignite ignite, StoreConfig config, Activation activation) {
        this.ignite = ignite;
        this.config = config;
        this.activation = activation;
        IgniteCache<String, String> callCache = ignite.cache(Caches.CALLS);
        this.calls = new CallRecordSink(callCache.withExpiryPolicy(Caches.callExpiry(config.callRecordTtl())));
        this.meta = new MetaStore(ignite.cache(Caches.META));
        this.sync = new SnapshotSync(ignite, entities::get, SYNC_BOUND);
    }

    /** Starts the node described by {@code config}; see the class comment for when it returns. */
    public static IgniteStore start(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        long started = System.nanoTime();
        // The update notifier would call home from a gateway; jvm.options also sets this for Ignite's tools.
        if (System.getProperty("IGNITE_UPDATE_NOTIFIER") == null) {
            System.setProperty("IGNITE_UPDATE_NOTIFIER", "false");
        }
        IgniteConfiguration ic = config.igniteXml() == null
                ? IgniteConfigs.programmatic()
                : IgniteConfigs.fromXml(config.igniteXml());
        // Unique per JVM: tests run several nodes side by side, and a stopped name must not be reused by accident.
        String name = config.consistentId() + "-" + INSTANCES.incrementAndGet();
        IgniteConfigs.enforce(ic, config, name);

        Ignite ignite = Ignition.start(ic);
        try {
            Activation activation = activate(ignite);
            // One call, one partition-map exchange for all caches. The API takes a raw collection.
            @SuppressWarnings({"rawtypes", "unchecked"})
            Collection<CacheConfiguration> caches = (Collection) Caches.all(config.callRecordTtl());
            ignite.getOrCreateCaches(caches);
            ServiceMigration.run(ignite.cache(Caches.SERVICES));
            var store = new IgniteStore(ignite, config, activation);
            LOG.info(() -> String.format("store %s started in %d ms (%s, persistence %s, work dir %s)", name,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), activation.text,
                    ic.getDataStorageConfiguration().getDefaultDataRegionConfiguration().isPersistenceEnabled(),
                    ic.getWorkDirectory()));
            return store;
        } catch (RuntimeException | Error e) {
            try {
                Ignition.stop(name, true);
            } catch (RuntimeException stopFailed) {
                e.addSuppressed(stopFailed);
            }
            throw e;
        }
    }

    /** Brings the cluster to ACTIVE and says how. */
    private static Activation activate(Ignite ignite) {
        if (ignite.cluster().state().active()) {
            return Activation.ACTIVE_AT_START;
        }
        if (ignite.cluster().currentBaselineTopology() == null) {
            // Never activated: a fresh persistent cluster. Activation fixes the baseline to the nodes present.
            ignite.cluster().state(ClusterState.ACTIVE);
            ignite.cluster().baselineAutoAdjustTimeout(BASELINE_ADJUST_MS);
            ignite.cluster().baselineAutoAdjustEnabled(true);
            return Activation.ACTIVATED_NEW;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACTIVATION_WAIT_MS);
        long nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!ignite.cluster().state().active()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("store: cluster still inactive after " + ACTIVATION_WAIT_MS
                        + " ms (expected: every baseline node online: " + baselineIds(ignite) + ")");
            }
            if (System.nanoTime() > nextLog) {
                LOG.warning(() -> "store: waiting for baseline nodes " + baselineIds(ignite) + " to activate");
                nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            }
            sleep(20);
        }
        return Activation.AUTO_ACTIVATED;
    }

    Activation activation() {
        return activation;
    }

    /** The Ignite node, for the few kernel parts that need more than the caches here. */
    public Ignite ignite() {
        return ignite;
    }

    public StoreConfig config() {
        return config;
    }

    /**
     * The entity cache on {@code cacheName} (one of the config caches in {@link Caches}), created on first use and
     * the same instance afterwards. Creating one scans the cache.
     *
     * @throws IllegalArgumentException when the name is not a config cache, or was opened with another type
     */
    public <T> EntityCache<T> entities(String cacheName, Class<T> type, Function<T, String> idOf) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(idOf, "idOf");
        if (!Caches.CONFIG.contains(cacheName) || Caches.META.equals(cacheName)) {
            throw new IllegalArgumentException("cacheName: " + cacheName + " (expected one of "
                    + Caches.CONFIG.stream().filter(n -> !n.equals(Caches.META)).toList() + ")");
        }
        EntityCache<?> cache = entities.computeIfAbsent(cacheName,
                n -> new EntityCache<>(ignite.<String, String>cache(n), type, idOf, sync));
        if (cache.type() != type) {
            throw new IllegalArgumentException("cacheName: " + cacheName + " is already open for "
                    + cache.type().getName() + " (expected: " + type.getName() + ")");
        }
        @SuppressWarnings("unchecked") // checked just above
        EntityCache<T> typed = (EntityCache<T>) cache;
        return typed;
    }

    public CallRecordSink calls() {
        return calls;
    }

    public MetaStore meta() {
        return meta;
    }

    /** Stops the node (a persistent one checkpoints first). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (EntityCache<?> cache : entities.values()) {
            try {
                cache.close();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing the continuous query of " + cache.name() + " failed", e);
            }
        }
        Ignition.stop(ignite.name(), true);
    }

    private static Collection<Object> baselineIds(Ignite ignite) {
        Collection<BaselineNode> baseline = ignite.cluster().currentBaselineTopology();
        return baseline == null ? List.of() : baseline.stream().map(BaselineNode::consistentId).toList();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("store: interrupted while waiting for activation", e);
        }
    }
}
