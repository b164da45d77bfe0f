package dev.keyway.kernel.policy;

import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredPolicy;
import dev.keyway.spi.json.Json;
import org.graalvm.polyglot.Source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The policies in force, indexed by where they are attached, rebuilt whole on every change of the
 * {@code keyway-policies} snapshot and read without locks. Each rebuild has a new generation: evaluating threads
 * rebuild their contexts when it changes, so old versions' modules (and any state they kept) are dropped.
 */
final class PolicyIndex {
    private static final Comparator<Active> ORDER = Comparator.comparingInt(Active::priority)
            .thenComparing(Active::name);

    /**
     * One policy's version in force, ready to run.
     *
     * @param label     {@code name@vN}, as errors, logs and metrics name it
     * @param timeout   its time limit
     * @param config    its settings as JSON text
     */
    record Active(String id, String name, int version, String label, Source source, Duration timeout,
                  boolean failOpen, boolean readsBody, String config, int priority) {
        /** What caches are keyed by: the id, not the name (two policies may briefly share a name). */
        String key() {
            return id + "@" + version;
        }
    }

    /** The policies that apply to one request, and the generation they belong to (from one snapshot). */
    record Applicable(long generation, List<Active> policies) {
    }

    private record Snapshot(long generation, List<Active> global, Map<String, List<Active>> byService,
                            Map<String, List<Active>> byTeam, boolean any) {
    }

    private final EntityCache<StoredPolicy> policies;
    private final Duration defaultTimeout;
    private final Duration maxTimeout;
    private volatile Snapshot snapshot = new Snapshot(0, List.of(), Map.of(), Map.of(), false);

    private final Runnable onAttached;

    /** @param onAttached called after a rebuild that leaves some policy attached (e.g. to build contexts ahead) */
    PolicyIndex(EntityCache<StoredPolicy> policies, Duration defaultTimeout, Duration maxTimeout, Runnable onAttached) {
        this.policies = policies;
        this.defaultTimeout = defaultTimeout;
        this.maxTimeout = maxTimeout;
        this.onAttached = onAttached;
        policies.onChange(this::rebuild);
        rebuild();
    }

    long generation() {
        return snapshot.generation();
    }

    /** The policies that apply to a service of a team, in the order they run, with their generation. */
    Applicable applicable(String serviceId, String teamId) {
        Snapshot s = snapshot;
        return new Applicable(s.generation(), applicable(s, serviceId, teamId));
    }

    private static List<Active> applicable(Snapshot s, String serviceId, String teamId) {
        if (!s.any()) {
            return List.of();
        }
        List<Active> forService = serviceId == null ? List.of() : s.byService().getOrDefault(serviceId, List.of());
        List<Active> forTeam = teamId == null ? List.of() : s.byTeam().getOrDefault(teamId, List.of());
        if (forService.isEmpty() && forTeam.isEmpty()) {
            return s.global();
        }
        List<Active> all = new ArrayList<>(s.global().size() + forService.size() + forTeam.size());
        all.addAll(s.global());
        for (Active a : forService) {
            if (!all.contains(a)) {
                all.add(a);
            }
        }
        for (Active a : forTeam) {
            if (!all.contains(a)) {
                all.add(a);
            }
        }
        all.sort(ORDER);
        return all;
    }

    /** Whether a policy that reads request bodies applies to this service. */
    boolean readsBody(String serviceId, String teamId) {
        for (Active a : applicable(snapshot, serviceId, teamId)) {
            if (a.readsBody()) {
                return true;
            }
        }
        return false;
    }

    private synchronized void rebuild() {
        List<Active> global = new ArrayList<>();
        Map<String, List<Active>> byService = new HashMap<>();
        Map<String, List<Active>> byTeam = new HashMap<>();
        for (StoredPolicy p : policies.all()) {
            StoredPolicy.Version v = p.active();
            if (v == null || p.attachments().isEmpty()) {
                continue;
            }
            Active a = active(p, v);
            for (StoredPolicy.Attachment at : p.attachments()) {
                switch (at.scope()) {
                    case GLOBAL -> {
                        if (!global.contains(a)) {
                            global.add(a);
                        }
                    }
                    case SERVICE -> byService.computeIfAbsent(at.targetId(), k -> new ArrayList<>()).add(a);
                    case TEAM -> byTeam.computeIfAbsent(at.targetId(), k -> new ArrayList<>()).add(a);
                }
            }
        }
        global.sort(ORDER);
        byService.replaceAll((k, v) -> List.copyOf(v));
        byTeam.replaceAll((k, v) -> List.copyOf(v));
        boolean any = !global.isEmpty() || !byService.isEmpty() || !byTeam.isEmpty();
        snapshot = new Snapshot(snapshot.generation() + 1, List.copyOf(global), Map.copyOf(byService),
                Map.copyOf(byTeam), any);
        if (any) {
            onAttached.run();
        }
    }

    private Active active(StoredPolicy p, StoredPolicy.Version v) {
        Duration timeout = p.timeoutMs() == null ? defaultTimeout : Duration.ofMillis(p.timeoutMs());
        if (timeout.compareTo(maxTimeout) > 0) {
            timeout = maxTimeout;
        }
        String label = p.name() + "@v" + v.version();
        return new Active(p.id(), p.name(), v.version(), label, Sandbox.module(label, v.source()), timeout,
                p.failOpen(), p.readsBody(), Json.write(p.config()), p.priority());
    }
}
