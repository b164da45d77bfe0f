package dev.keyway.kernel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.keyway.kernel.admin.AdminAuth;
import dev.keyway.kernel.ai.AiCaller;
import dev.keyway.kernel.ai.AiRoutes;
import dev.keyway.kernel.ai.Credentials;
import dev.keyway.kernel.ai.MasterKey;
import dev.keyway.kernel.ai.ModelCatalog;
import dev.keyway.kernel.store.StoredCredential;
import dev.keyway.kernel.store.StoredDeployment;
import dev.keyway.kernel.store.StoredModel;
import dev.keyway.kernel.admin.AdminContext;
import dev.keyway.kernel.audit.AuditLog;
import dev.keyway.kernel.identity.LoginThrottle;
import dev.keyway.kernel.keys.KeyAudit;
import dev.keyway.kernel.keys.KeyAuditSchedule;
import dev.keyway.kernel.keys.KeyDiagnosis;
import dev.keyway.kernel.keys.KeyUsage;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.kernel.store.StoredKeyUsage;
import dev.keyway.kernel.admin.AdminPlane;
import dev.keyway.kernel.config.KeywayConfig;
import dev.keyway.kernel.http.ClientIp;
import dev.keyway.kernel.http.DataPlane;
import dev.keyway.kernel.http.RouteTable;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.kernel.plugin.PluginFolderWatcher;
import dev.keyway.kernel.plugin.PluginHost;
import dev.keyway.kernel.record.CallRecord;
import dev.keyway.kernel.record.CallRecorder;
import dev.keyway.kernel.store.CallRecordSink;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.KeyHasher;
import dev.keyway.kernel.store.StoreDirectories;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Service;
import io.helidon.webserver.WebServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Keyway node: the Ignite store, the decision ring with the plugin chain, the call-record ring, and the data
 * and admin planes. Start order matters: Ignite first (it installs a JVM-wide serialisation filter Helidon must
 * accept), then the admin plane (so /health can say "starting"), plugins, and the data plane last.
 */
public final class KeywayNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KeywayNode.class.getName());
    private static final String PEPPER_FINGERPRINT = "keys.pepper-fingerprint";
    private static final String MASTER_KEY_FINGERPRINT = "ai.master-key-fingerprint";
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            // Audit before/after read like the admin API that returned them: enums in lower case.
            .configure(com.fasterxml.jackson.databind.cfg.EnumFeature.WRITE_ENUMS_TO_LOWERCASE, true);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile boolean ready;
    private IgniteStore store;
    private PluginHost plugins;
    private Ring ring;
    private Metrics metrics;
    private WebServer data;
    private WebServer admin;

    private KeywayNode() {
    }

    /**
     * Starts a node.
     *
     * @param config   the node's configuration
     * @param announce receives the bootstrap token when one is generated (first start without
     *                 KEYWAY_BOOTSTRAP_TOKEN); the launcher prints it once
     */
    public static KeywayNode start(KeywayConfig config, Consumer<String> announce) {
        KeywayNode node = new KeywayNode();
        try {
            node.boot(config, announce);
            return node;
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    private void boot(KeywayConfig config, Consumer<String> announce) {
        long t0 = System.nanoTime();
        metrics = new Metrics();
        store = keep(IgniteStore.start(config.store()));
        KeyHasher hasher = config.pepper().map(KeyHasher::fromBase64)
                .orElseGet(() -> KeyHasher.fromFile(config.pepperFile()));
        checkPepper(store, hasher, config);
        MasterKey masterKey = config.masterKey().map(MasterKey::fromBase64)
                .orElseGet(() -> MasterKey.fromFile(config.masterKeyFile()));
        checkMasterKey(store, masterKey, config);
        Credentials credentials = new Credentials(store.entities(Caches.AI_CREDENTIALS, StoredCredential.class,
                StoredCredential::id), masterKey);
        ModelCatalog catalog = new ModelCatalog(store.entities(Caches.AI_MODELS, StoredModel.class, StoredModel::key));
        Directories directories = StoreDirectories.of(store, hasher);
        if (directories.counters() instanceof dev.keyway.kernel.store.ModeCounters counters) {
            metrics.gauge("keyway_limit_store_degraded_total", counters::degraded);
        }
        EntityCache<Service> services = store.entities(Caches.SERVICES, Service.class, Service::id);
        AtomicReference<RouteTable> routes = new AtomicReference<>(RouteTable.of(List.of()));
        AtomicReference<AiRoutes> aiRoutes = new AtomicReference<>(AiRoutes.of(List.of()));
        services.onChange(() -> {
            routes.set(RouteTable.of(services.all()));
            aiRoutes.set(AiRoutes.of(services.all()));
        });
        // After the listener: a change between the two lines is not missed.
        routes.set(RouteTable.of(services.all()));
        aiRoutes.set(AiRoutes.of(services.all()));

        // Before the ring, so it is closed after the ring has stopped evaluating policies.
        dev.keyway.kernel.policy.PolicyRuntime policyRuntime = keep(new dev.keyway.kernel.policy.PolicyRuntime(
                config.policies(), store.entities(Caches.POLICIES, dev.keyway.kernel.store.StoredPolicy.class,
                dev.keyway.kernel.store.StoredPolicy::id), metrics));
        ring = keep(new Ring(config.ring(), metrics));
        plugins = new PluginHost(config.plugins(), directories, ring, policyRuntime);
        Clock clock = Clock.systemUTC();
        AdminAuth auth = AdminAuth.start(store, config.bootstrapToken(), announce, clock);
        KeyUsage keyUsage = new KeyUsage(store.entities(Caches.KEY_USAGE, StoredKeyUsage.class, StoredKeyUsage::id),
                clock, Duration.ofHours(1));
        AuditLog auditLog = new AuditLog(store, JSON, clock);
        AdminContext adminContext = new AdminContext(auth, metrics, () -> ready, ring::chain, plugins, store,
                auditLog, hasher, clock, keyUsage, LoginThrottle.standard(clock),
                ClientIp.trusting(config.adminPlane().trustedProxies()), credentials, catalog, policyRuntime);
        admin = WebServer.builder().host(config.adminPlane().host()).port(config.adminPlane().port())
                .shutdownHook(false)
                .maxPayloadSize(config.adminPlane().maxBodyBytes())
                .routing(r -> new AdminPlane(adminContext).routing(r))
                .build().start();
        resources.add(admin::stop);
        EntityCache<StoredKey> keys = store.entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        keep(new KeyAuditSchedule(new KeyAudit(new KeyDiagnosis(
                store.entities(Caches.USERS, StoredUser.class, StoredUser::id)::get,
                store.entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id)::get,
                store.entities(Caches.APPS, StoredApp.class, StoredApp::id)::get), keyUsage, clock),
                keys, auditLog, config.keys(), metrics));

        resources.add(plugins);
        plugins.start();
        if (config.plugins().watch()) {
            try {
                keep(new PluginFolderWatcher(plugins));
            } catch (IOException e) {
                throw new UncheckedIOException("plugins.watch: cannot watch " + config.plugins().dir(), e);
            }
        }
        CallRecordSink sink = store.calls();
        CallRecorder recorder = keep(new CallRecorder(config.calls(), metrics, batch -> {
            sink.writeBatch(json(batch));
            for (CallRecord r : batch) {
                if (r.keyId() != null && r.status() < 400) {
                    keyUsage.used(r.keyId());
                }
            }
        }));
        DataPlane plane = keep(new DataPlane(routes::get, ring, recorder, metrics, config.dataPlane().maxBodyBytes(),
                ClientIp.trusting(config.dataPlane().trustedProxies())));
        plane.usePolicies(policyRuntime);
        EntityCache<StoredDeployment> deployments = store.entities(Caches.AI_DEPLOYMENTS, StoredDeployment.class,
                StoredDeployment::id);
        AiCaller caller = keep(new AiCaller(config.ai(), plugins::providers, deployments::all, credentials));
        plane.enableAi(aiRoutes::get, caller, catalog, config.ai(), directories,
                new dev.keyway.kernel.audit.LimitAlerts(auditLog, metrics));
        data = WebServer.builder().host(config.dataPlane().host()).port(config.dataPlane().port())
                .shutdownHook(false)
                // Stream events go out as written: without it, Nagle holds small SSE writes for ~40 ms.
                .connectionOptions(o -> o.tcpNoDelay(true))
                .routing(r -> r.any(plane))
                .build().start();
        resources.add(data::stop);
        ready = true;
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info(() -> "Keyway ready in " + ms + " ms: data plane http://" + config.dataPlane().host() + ":"
                + data.port() + ", admin plane http://" + config.adminPlane().host() + ":" + admin.port());
    }

    /**
     * Every node of a cluster must hash keys with the same pepper, or keys issued on one node are unknown on
     * another — exactly the mystery "invalid key" this gateway exists to prevent. The first node records a
     * fingerprint (an HMAC of a constant, which reveals nothing of the pepper); a node with a different pepper
     * refuses to start and says which file to copy.
     */
    private static void checkPepper(IgniteStore store, KeyHasher hasher, KeywayConfig config) {
        String fingerprint = hasher.hash("keyway-pepper-fingerprint-v1");
        if (!store.meta().putIfAbsent(PEPPER_FINGERPRINT, fingerprint)
                && !store.meta().get(PEPPER_FINGERPRINT).orElse("").equals(fingerprint)) {
            throw new IllegalStateException("pepper-file: " + config.pepperFile() + " differs from the pepper the "
                    + "cluster's keys were hashed with (expected: a copy of the pepper file of an existing node, "
                    + "set through KEYWAY_PEPPER_FILE)");
        }
    }

    /** As {@link #checkPepper}, for the key provider credentials are encrypted under. */
    private static void checkMasterKey(IgniteStore store, MasterKey key, KeywayConfig config) {
        String fingerprint = key.fingerprint();
        if (!store.meta().putIfAbsent(MASTER_KEY_FINGERPRINT, fingerprint)
                && !store.meta().get(MASTER_KEY_FINGERPRINT).orElse("").equals(fingerprint)) {
            throw new IllegalStateException("master-key-file: " + config.masterKeyFile() + " differs from the master "
                    + "key the cluster's provider credentials were encrypted with (expected: a copy of the master key "
                    + "file of an existing node, set through KEYWAY_MASTER_KEY_FILE)");
        }
    }

    private static List<CallRecordSink.CallRecordJson> json(List<CallRecord> batch) {
        List<CallRecordSink.CallRecordJson> out = new ArrayList<>(batch.size());
        for (CallRecord r : batch) {
            try {
                out.add(new CallRecordSink.CallRecordJson(r.requestId() + "@" + r.startedAtMillis(), JSON.writeValueAsString(r)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("call record not serialisable", e);
            }
        }
        return out;
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    public int dataPort() {
        return data.port();
    }

    public int adminPort() {
        return admin.port();
    }

    public IgniteStore store() {
        return store;
    }

    public PluginHost plugins() {
        return plugins;
    }

    public Ring ring() {
        return ring;
    }

    public Metrics metrics() {
        return metrics;
    }

    public boolean ready() {
        return ready;
    }

    /** Stops everything in reverse start order; safe to call twice. */
    @Override
    public synchronized void close() {
        ready = false;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "failed to stop " + resources.get(i), e);
            }
        }
        resources.clear();
    }
}
