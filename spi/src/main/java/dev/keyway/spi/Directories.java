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
        Counters counters) {

    public Directories {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(teams, "teams");
        Objects.requireNonNull(apps, "apps");
        Objects.requireNonNull(services, "services");
        Objects.requireNonNull(subscriptions, "subscriptions");
        Objects.requireNonNull(counters, "counters");
    }
}
