package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.MetaStore;
import dev.keyway.kernel.store.StoredSubscription;

import java.util.Optional;

/**
 * One live subscription per app and service across the cluster: an application takes the slot
 * {@code subscription-live/<app>/<service>} with an atomic put-if-absent before it stores the subscription, and
 * rejection, revocation and cancellation give it back. Two nodes applying at once cannot both succeed.
 */
final class LiveSlots {
    private static final String PREFIX = "subscription-live/";
    // A slot whose subscription never got stored (the node stopped in between) is free again after this long.
    private static final long ORPHAN_MILLIS = 60_000;

    private final MetaStore meta;
    private final EntityCache<StoredSubscription> subscriptions;

    LiveSlots(MetaStore meta, EntityCache<StoredSubscription> subscriptions) {
        this.meta = meta;
        this.subscriptions = subscriptions;
    }

    /** Takes the slot for {@code id}, or answers 409 naming whoever holds it. */
    void take(String appId, String serviceId, String id, String serviceName) {
        String key = PREFIX + appId + "/" + serviceId;
        if (meta.putIfAbsent(key, id)) {
            return;
        }
        String holder = meta.get(key).orElse(null);
        if (holder == null ? meta.putIfAbsent(key, id) : (!holds(holder) && meta.replace(key, holder, id))) {
            return;
        }
        throw AdminErrors.of(409, "conflict", "app " + appId + " already has an application or subscription ("
                + holder + ") to service '" + serviceName + "' in progress");
    }

    /** Gives the slot back if {@code id} holds it. */
    void release(String appId, String serviceId, String id) {
        meta.remove(PREFIX + appId + "/" + serviceId, id);
    }

    /** Whether the holder still counts: a live subscription, or one being stored right now. */
    private boolean holds(String holder) {
        Optional<StoredSubscription> s = subscriptions.get(holder);
        if (s.isPresent()) {
            return s.get().live();
        }
        return System.currentTimeMillis() - createdMillis(holder) < ORPHAN_MILLIS;
    }

    /** Subscription ids start with 12 hex digits of their creation time (see {@code Ids.timeOrdered}). */
    private static long createdMillis(String id) {
        try {
            return Long.parseLong(id.substring(id.indexOf('-') + 1, id.indexOf('-') + 13), 16);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
