package dev.keyway.spi;

import java.util.Objects;

/**
 * The read-only ports stages look things up in. The kernel implements them on the store with local-memory reads
 * (no network round trip per request); the spi test-jar has in-memory implementations for plugin tests.
 */
public record Directories(
        KeyDirectory keys,
        Directory<User> users,
        Directory<Team> teams,
        Directory<App> apps,
        Directory<Service> services,
        SubscriptionDirectory subscriptions,
        Counters counters,
        LimitDirectory limits) {

    public Directories {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(teams, "teams");
        Objects.requireNonNull(apps, "apps");
        Objects.requireNonNull(services, "services");
        Objects.requireNonNull(subscriptions, "subscriptions");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(limits, "limits");
    }

    /** The directories without limits (stages that do not count). */
    public Directories(KeyDirectory keys, Directory<User> users, Directory<Team> teams, Directory<App> apps,
                       Directory<Service> services, SubscriptionDirectory subscriptions, Counters counters) {
        this(keys, users, teams, apps, services, subscriptions, counters,
                (service, key, user, app, team, subscription) -> java.util.List.of());
    }
}
