package dev.keyway.spi;

import java.util.List;

/** Finds the limits that apply to a request, from local memory. */
@FunctionalInterface
public interface LimitDirectory {

    /**
     * The limits covering a call of {@code serviceId} by this key, user, app and team (any may be null), with a
     * subscription's overrides already replacing the service's default plan for that app.
     */
    List<Limit> applicable(String serviceId, String keyId, String userId, String appId, String teamId,
                           String subscriptionId);
}
