package dev.keyway.perf;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.KeyHasher;
import dev.keyway.kernel.store.StoreConfig;
import dev.keyway.kernel.store.StoreDirectories;
import dev.keyway.kernel.store.StoredLimit;
import dev.keyway.spi.Counters;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Limit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * What the limit stage costs per request: finding the limits that apply (a scan of the local snapshot) and
 * counting one request, in {@code local} mode (node memory) and {@code cluster} mode (a lease of the cluster's
 * allowance, topped up ahead of need, on a real embedded Ignite node). The limit is large enough that leases keep
 * coming: this measures the common path, not exhaustion.
 *
 * <pre>perf/run-jmh.sh LimitCounters -f 1 -wi 3 -w 3s -i 5 -r 3s -t 4</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimitCountersBenchmark {
    @Param({"local", "cluster"})
    public String mode;

    /** How many limits are stored (most of them for other subjects). */
    @Param({"10"})
    public int limits;

    private IgniteStore store;
    private Directories directories;
    private Counters counters;
    private Limit.Mode limitMode;
    private Path dir;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("keyway-limit-bench");
        StoreConfig d = StoreConfig.defaults(dir);
        store = IgniteStore.start(new StoreConfig(dir, null, "bench", d.discoveryPort(), d.communicationPort(),
                d.dataRegionMaxBytes(), false, d.callRecordTtl()));
        directories = StoreDirectories.of(store, KeyHasher.fromBase64(Base64.getEncoder().encodeToString(new byte[32])));
        counters = directories.counters();
        limitMode = mode.equals("cluster") ? Limit.Mode.CLUSTER : Limit.Mode.LOCAL;
        var stored = store.entities(Caches.LIMITS, StoredLimit.class, StoredLimit::id);
        for (int i = 0; i < limits; i++) {
            stored.put(new StoredLimit(new Limit("lim-" + i, Limit.Subject.APP, i == 0 ? "*" : "app-" + i, "svc-1",
                    Limit.Metric.REQUESTS, Duration.ofDays(1), Long.MAX_VALUE / 4, limitMode), "t-1"));
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        store.close();
    }

    /** The directory lookup plus one count, as the stage does for a request with one applicable limit. */
    @Benchmark
    public long lookupAndCount() {
        long total = 0;
        for (Limit l : directories.limits().applicable("svc-1", "k-1", "u-1", "app-0", "t-1", "sub-1")) {
            total += counters.add("req:" + l.id() + ":app-0", 1, l.window(), l.max(), l.mode());
        }
        return total;
    }

    /** One count alone. */
    @Benchmark
    public long count() {
        return counters.add("req:lim-0:app-0", 1, Duration.ofDays(1), Long.MAX_VALUE / 4, limitMode);
    }
}
