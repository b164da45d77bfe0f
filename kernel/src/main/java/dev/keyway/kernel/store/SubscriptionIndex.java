package dev.keyway.kernel.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.keyway.spi.Subscription;
import dev.keyway.spi.SubscriptionDirectory;

/**
 * {@link SubscriptionDirectory} over the {@code keyway-subscriptions} snapshot, indexed by (app, service).
 *
 * <p>An app may hold several subscriptions to one service over time (a cancelled one and its replacement). The
 * admin side keeps at most one of them live; {@link #find} returns the APPROVED one if any, else a PENDING or
 * SUSPENDED one, else the most recent by id (subscription ids sort by creation time), so an old record never
 * hides the current one.
 */
final class SubscriptionIndex implements SubscriptionDirectory {

    private static final Comparator<Subscription> CURRENT_FIRST =
            Comparator.comparingInt(SubscriptionIndex::rank).thenComparing(Subscription::id, Comparator.reverseOrder());

    private record Pair(String appId, String serviceId) {
    }

    private final Map<Pair, List<Subscription>> byPair = new ConcurrentHashMap<>();

    SubscriptionIndex(EntityCache<StoredSubscription> subscriptions) {
        subscriptions.subscribe((before, after) -> changed(before == null ? null : before.toSubscription(),
                after == null ? null : after.toSubscription()));
    }

    @Override
    public Optional<Subscription> find(String appId, String serviceId) {
        List<Subscription> candidates = byPair.get(new Pair(appId, serviceId));
        return candidates == null ? Optional.empty() : Optional.of(candidates.getFirst());
    }

    // Called under the snapshot's lock, one change at a time; lists are replaced, never mutated, so readers
    // on other threads always see a complete, sorted list.
    private void changed(Subscription before, Subscription after) {
        if (before != null) {
            byPair.computeIfPresent(pairOf(before), (p, list) -> {
                List<Subscription> rest = list.stream().filter(s -> !s.id().equals(before.id())).toList();
                return rest.isEmpty() ? null : rest;
            });
        }
        if (after != null) {
            byPair.compute(pairOf(after), (p, list) -> {
                List<Subscription> next = new ArrayList<>(list == null ? List.of() : list);
                next.removeIf(s -> s.id().equals(after.id()));
                next.add(after);
                next.sort(CURRENT_FIRST);
                return List.copyOf(next);
            });
        }
    }

    private static Pair pairOf(Subscription s) {
        return new Pair(s.appId(), s.serviceId());
    }

    private static int rank(Subscription s) {
        return switch (s.status()) {
            case APPROVED -> 0;
            case PENDING, SUSPENDED -> 1;
            case REJECTED, REVOKED, CANCELLED -> 2;
        };
    }
}
