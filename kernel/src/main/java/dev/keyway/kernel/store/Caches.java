package dev.keyway.kernel.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;

import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheRebalanceMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.configuration.CacheConfiguration;

/**
 * The names of the caches the kernel keeps in Ignite, and how each is configured. Keys are String ids and values
 * JSON strings everywhere: Ignite 2.17's binary marshaller cannot store Java records on JDK 25.
 */
public final class Caches {

    public static final String SERVICES = "keyway-services";
    public static final String KEYS = "keyway-keys";
    public static final String USERS = "keyway-users";
    public static final String TEAMS = "keyway-teams";
    public static final String APPS = "keyway-apps";
    public static final String SUBSCRIPTIONS = "keyway-subscriptions";
    public static final String META = "keyway-meta";
    public static final String CALLS = "keyway-calls";
    /** Admin sessions: token hash → session. Replicated so a session works on every node. */
    public static final String SESSIONS = "keyway-sessions";
    /** Per key: issued and last used (coarse). */
    public static final String KEY_USAGE = "keyway-key-usage";
    /** Provider credentials, encrypted under the master key. */
    public static final String AI_CREDENTIALS = "keyway-ai-credentials";
    /** Where each model name is served. */
    public static final String AI_DEPLOYMENTS = "keyway-ai-deployments";
    /** Operators' model additions and price overrides (the shipped catalog is a resource). */
    public static final String AI_MODELS = "keyway-ai-models";
    /** Cluster-mode limit counters: the allowance each window has leased to nodes. */
    public static final String COUNTERS = "keyway-counters";
    /** Limits: requests, tokens, concurrency and budgets per subject. */
    public static final String LIMITS = "keyway-limits";
    /** JavaScript policies: versions, the one in force, attachments. */
    public static final String POLICIES = "keyway-policies";
    /** The admin audit log: append-only through the API. */
    public static final String AUDIT = "keyway-audit";

    /** Small configuration data, read on every request: a full copy on every node. */
    static final List<String> CONFIG = List.of(SERVICES, KEYS, USERS, TEAMS, APPS, SUBSCRIPTIONS, META, SESSIONS,
            KEY_USAGE, AI_CREDENTIALS, AI_DEPLOYMENTS, AI_MODELS, LIMITS, POLICIES);

    // One group: the config caches share partition files and exchange work instead of paying for them 7 times.
    private static final String CONFIG_GROUP = "keyway-config";
    // Ignite's default of 1024 partitions is sized for big data; a few thousand entries need far fewer, and
    // every partition costs files, memory and exchange time. Both are fixed when a cache is first created.
    private static final int CONFIG_PARTITIONS = 32;
    private static final int CALL_PARTITIONS = 128;

    private Caches() {
    }

    /** Every cache the store creates at start. */
    static List<CacheConfiguration<String, String>> all(Duration callRecordTtl) {
        List<CacheConfiguration<String, String>> all = new ArrayList<>();
        CONFIG.forEach(name -> all.add(config(name)));
        all.add(calls(callRecordTtl));
        all.add(counters());
        all.add(audit());
        return all;
    }

    private static CacheConfiguration<String, String> config(String name) {
        return new CacheConfiguration<String, String>(name)
                .setGroupName(CONFIG_GROUP)
                .setCacheMode(CacheMode.REPLICATED)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                // A write returns once every node holds it, so a read on any node right after sees it.
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                // A joining node gets the whole cache before the cache starts on it: its first scan is complete.
                .setRebalanceMode(CacheRebalanceMode.SYNC)
                .setAffinity(new RendezvousAffinityFunction(false, CONFIG_PARTITIONS));
    }

    private static CacheConfiguration<String, String> calls(Duration ttl) {
        return new CacheConfiguration<String, String>(CALLS)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(0)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setAffinity(new RendezvousAffinityFunction(false, CALL_PARTITIONS))
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(expiry(ttl)))
                .setEagerTtl(true);
    }

    private static CacheConfiguration<String, String> counters() {
        // Partitioned with a backup: a node loss must not forget what was leased (that would admit more).
        return new CacheConfiguration<String, String>(COUNTERS)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(1)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setAffinity(new RendezvousAffinityFunction(false, CALL_PARTITIONS))
                .setEagerTtl(true);
    }

    private static CacheConfiguration<String, String> audit() {
        // Partitioned with one backup: the log grows without bound, and a node loss must not lose entries.
        return new CacheConfiguration<String, String>(AUDIT)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(1)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setAffinity(new RendezvousAffinityFunction(false, CALL_PARTITIONS));
    }

    /**
     * The expiry of call records. A persistent cache keeps the configuration it was created with, so writers
     * also pass this policy per operation: a changed TTL then applies to new records after a restart.
     */
    static ExpiryPolicy callExpiry(Duration ttl) {
        return new CreatedExpiryPolicy(expiry(ttl));
    }

    private static javax.cache.expiry.Duration expiry(Duration ttl) {
        return new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, ttl.toMillis());
    }
}
