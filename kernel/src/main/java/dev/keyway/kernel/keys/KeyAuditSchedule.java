package dev.keyway.kernel.keys;

import dev.keyway.kernel.audit.AuditLog;
import dev.keyway.kernel.config.KeysConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredKey;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the key audit on a schedule. New findings (not reported by the previous run) go to the audit log as
 * {@code key.audit.finding} by actor {@code system}; the current count is the gauge
 * {@code keyway_key_audit_findings}.
 */
public final class KeyAuditSchedule implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KeyAuditSchedule.class.getName());

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("keyway-key-audit").unstarted(r));
    private final KeyAudit audit;
    private final EntityCache<StoredKey> keys;
    private final AuditLog log;
    private final KeysConfig config;
    private final AtomicLong current = new AtomicLong();
    private Set<String> reported = Set.of();

    public KeyAuditSchedule(KeyAudit audit, EntityCache<StoredKey> keys, AuditLog log, KeysConfig config,
                            Metrics metrics) {
        this.audit = audit;
        this.keys = keys;
        this.log = log;
        this.config = config;
        metrics.gauge("keyway_key_audit_findings", current::get);
        if (!config.auditInterval().isZero()) {
            long seconds = config.auditInterval().toSeconds();
            timer.scheduleWithFixedDelay(this::runSafely, Math.min(seconds, 60), seconds, TimeUnit.SECONDS);
        }
    }

    /** Runs one audit now; returns the findings. */
    public synchronized List<KeyDiagnosis.Finding> run() {
        List<StoredKey> all = keys.all();
        List<KeyDiagnosis.Finding> findings = audit.run(all, Duration.ofDays(config.expiringDays()),
                Duration.ofDays(config.unusedDays()));
        Set<String> now = new HashSet<>();
        for (KeyDiagnosis.Finding f : findings) {
            String id = f.keyId() + "/" + f.reason();
            now.add(id);
            if (!reported.contains(id)) {
                String team = keys.get(f.keyId()).map(StoredKey::teamId).orElse(null);
                log.append("system", "system", "key.audit.finding", "key", f.keyId(), team, null, f);
            }
        }
        reported = now;
        current.set(findings.size());
        return findings;
    }

    private void runSafely() {
        try {
            run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "scheduled key audit failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
