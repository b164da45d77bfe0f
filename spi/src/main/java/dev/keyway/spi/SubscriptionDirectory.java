package dev.keyway.spi;

import java.util.Optional;

/** Finds an app's subscription to a service, from local memory. */
@FunctionalInterface
public interface SubscriptionDirectory {

    /** The subscription of app {@code appId} to service {@code serviceId}, in whatever state, or empty. */
    Optional<Subscription> find(String appId, String serviceId);
}
