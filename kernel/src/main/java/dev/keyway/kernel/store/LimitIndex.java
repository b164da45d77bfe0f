package dev.keyway.kernel.store;

import dev.keyway.spi.Limit;
import dev.keyway.spi.LimitDirectory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@link LimitDirectory} over the {@code keyway-limits} snapshot. A subscription's limit of a metric and window
 * replaces the service's per-app default of the same metric and window for that app.
 */
final class LimitIndex implements LimitDirectory {
    private final EntityCache<StoredLimit> limits;

    LimitIndex(EntityCache<StoredLimit> limits) {
        this.limits = limits;
    }

    @Override
    public List<Limit> applicable(String serviceId, String keyId, String userId, String appId, String teamId,
                                  String subscriptionId) {
        List<Limit> out = new ArrayList<>();
        List<Limit> overrides = new ArrayList<>();
        for (StoredLimit stored : limits.all()) {
            Limit l = stored.limit();
            if (l.serviceId() != null && !l.serviceId().equals(serviceId)) {
                continue;
            }
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
