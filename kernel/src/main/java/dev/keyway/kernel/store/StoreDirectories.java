package dev.keyway.kernel.store;

import dev.keyway.spi.Directories;
import dev.keyway.spi.Service;

/**
 * Builds the spi {@link Directories} stages look things up in, on the store's entity snapshots: every lookup
 * reads local memory and follows changes made anywhere in the cluster. Counters are {@link ModeCounters}: per node
 * ({@code local}) or leased from the cluster ({@code cluster}), as each limit says.
 */
public final class StoreDirectories {

    private StoreDirectories() {
    }

    /** The directories over {@code store}; keys are matched by {@code hasher}'s hash of the presented secret. */
    public static Directories of(IgniteStore store, KeyHasher hasher) {
        EntityCache<StoredKey> keys = store.entities(Caches.KEYS, StoredKey.class, StoredKey::id);
        EntityCache<StoredUser> users = store.entities(Caches.USERS, StoredUser.class, StoredUser::id);
        EntityCache<StoredTeam> teams = store.entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
        EntityCache<StoredApp> apps = store.entities(Caches.APPS, StoredApp.class, StoredApp::id);
        EntityCache<Service> services = store.entities(Caches.SERVICES, Service.class, Service::id);
        EntityCache<StoredSubscription> subscriptions =
                store.entities(Caches.SUBSCRIPTIONS, StoredSubscription.class, StoredSubscription::id);
        return new Directories(
                new KeyIndex(keys, hasher),
                id -> users.get(id).map(StoredUser::toUser),
                id -> teams.get(id).map(StoredTeam::toTeam),
                id -> apps.get(id).map(StoredApp::toApp),
                services::get,
                new SubscriptionIndex(subscriptions),
                new ModeCounters(new LocalCounters(), new ClusterAllotments(store.ignite().cache(Caches.COUNTERS)),
                        () -> store.ignite().cluster().forServers().nodes().size(), System::currentTimeMillis),
                new LimitIndex(store.entities(Caches.LIMITS, StoredLimit.class, StoredLimit::id)));
    }
}
