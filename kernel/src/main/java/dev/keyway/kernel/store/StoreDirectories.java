package dev.keyway.kernel.store;

import dev.keyway.spi.App;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Service;
import dev.keyway.spi.Subscription;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;

/**
 * Builds the spi {@link Directories} stages look things up in, on the store's entity snapshots: every lookup
 * reads local memory and follows changes made anywhere in the cluster. Counters are {@link LocalCounters} (the
 * {@code local} mode: per node); a cluster-wide mode comes later.
 */
public final class StoreDirectories {

    private StoreDirectories() {
    }

    /** The directories over {@code store}; keys are matched by {@code hasher}'s hash of the presented secret. */
    public static Directories of(IgniteStore store, KeyHasher hasher) {
        EntityCache<StoredKey> keys = store.entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        EntityCache<User> users = store.entities(Caches.USERS, User.class, User::id);
        EntityCache<Team> teams = store.entities(Caches.TEAMS, Team.class, Team::id);
        EntityCache<App> apps = store.entities(Caches.APPS, App.class, App::id);
        EntityCache<Service> services = store.entities(Caches.SERVICES, Service.class, Service::id);
        EntityCache<Subscription> subscriptions =
                store.entities(Caches.SUBSCRIPTIONS, Subscription.class, Subscription::id);
        return new Directories(
                new KeyIndex(keys, hasher),
                users::get,
                teams::get,
                apps::get,
                services::get,
                new SubscriptionIndex(subscriptions),
                new LocalCounters());
    }
}
