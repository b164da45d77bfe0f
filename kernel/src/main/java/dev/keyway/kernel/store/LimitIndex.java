package dev.keyway.kernel.store;

import dev.keyway.spi.Limit;
import dev.keyway.spi.LimitDirectory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;

/**
 * {@link LimitDirectory} over the {@code keyway-limits} snapshot. A subscription's limit of a metric and window
 * replaces the service's per-app default of the same metric and window for that app.
 */
final class LimitIndex implements LimitDirectory {
    private static final String EVERY_SERVICE = "";

    private final EntityCache<StoredLimit> limits;
    // Limits by the service they cover ("" for every service); replaced whole on each change, read without locks.
    private volatile Map<String, List<Limit>> byService = Map.of();

    LimitIndex(EntityCache<StoredLimit> limits) {
        this.limits = limits;
        limits.onChange(this::rebuild);
        rebuild();
    }

    private void rebuild() {
        Map<String, List<Limit>> map = new HashMap<>();
        for (StoredLimit stored : limits.all()) {
            Limit l = stored.limit();
            map.computeIfAbsent(l.serviceId() == null ? EVERY_SERVICE : l.serviceId(), k -> new ArrayList<>()).add(l);
        }
        map.replaceAll((k, v) -> List.copyOf(v));
        byService = Map.copyOf(map);
    }

    @Override
    public List<Limit> applicable(String serviceId, String keyId, String userId, String appId, String teamId,
                                  String subscriptionId) {
        List<Limit> out = new ArrayList<>();
        List<Limit> overrides = new ArrayList<>();
        Map<String, List<Limit>> index = byService;
        List<Limit> candidates = new ArrayList<>(index.getOrDefault(EVERY_SERVICE, List.of()));
        if (serviceId != null) {
            candidates.addAll(index.getOrDefault(serviceId, List.of()));
        }
        for (Limit l : candidates) {
            boolean applies = switch (l.subject()) {
                case KEY -> l.subjectId().equals(keyId);
                case USER -> l.subjectId().equals(userId);
                case APP -> l.subjectId().equals(appId) || (l.subjectId().equals("*") && l.serviceId() != null
                        && appId != null);
                case TEAM -> l.subjectId().equals(teamId);
                case SERVICE -> l.subjectId().equals(serviceId);
                case SUBSCRIPTION -> l.subjectId().equals(subscriptionId);
            };
            if (applies) {
                (l.subject() == Limit.Subject.SUBSCRIPTION ? overrides : out).add(l);
            }
        }
        for (Limit o : overrides) {
            out.removeIf(l -> l.subject() == Limit.Subject.APP && l.subjectId().equals("*")
                    && l.metric() == o.metric() && Objects.equals(l.window(), o.window()));
        }
        out.addAll(overrides);
        return out;
    }
}
