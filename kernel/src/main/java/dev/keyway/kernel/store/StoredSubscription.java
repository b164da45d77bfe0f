package dev.keyway.kernel.store;

import dev.keyway.spi.Subscription;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An app's subscription to a service as the store keeps it: the spi view plus who applied, why, and every
 * transition with its actor and comment. Both teams are recorded so each side can find it without a join.
 *
 * @param id            subscription id
 * @param appId         subscribing app
 * @param appTeamId     the app's team
 * @param serviceId     the service
 * @param serviceTeamId the service's owning team (null for a system-level service)
 * @param status        current state
 * @param reason        the applicant's reason, or null
 * @param appliedBy     user id of the applicant
 * @param createdAt     when the application was made
 * @param updatedAt     last transition
 * @param history       every transition, oldest first
 */
public record StoredSubscription(String id, String appId, String appTeamId, String serviceId, String serviceTeamId,
                                 Subscription.Status status, String reason, String appliedBy, Instant createdAt,
                                 Instant updatedAt, List<Transition> history) {

    public StoredSubscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(serviceId, "serviceId");
        Objects.requireNonNull(status, "status");
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** What stages see. */
    public Subscription toSubscription() {
        return new Subscription(id, appId, serviceId, status);
    }

    /** Whether the subscription still counts (approved, or waiting to be, or paused): one per app and service. */
    public boolean live() {
        return status == Subscription.Status.APPROVED || status == Subscription.Status.PENDING
                || status == Subscription.Status.SUSPENDED;
    }

    /** This subscription moved to {@code next} by {@code actor} at {@code at}. */
    public StoredSubscription moved(Subscription.Status next, String actor, String comment, Instant at) {
        List<Transition> h = new ArrayList<>(history);
        h.add(new Transition(at, actor, status, next, comment));
        return new StoredSubscription(id, appId, appTeamId, serviceId, serviceTeamId, next, reason, appliedBy,
                createdAt, at, h);
    }

    /**
     * One transition.
     *
     * @param at      when
     * @param actor   user id (or "system" for automatic approval)
     * @param from    previous state, null for the application itself
     * @param to      new state
     * @param comment the actor's comment, or null
     */
    public record Transition(Instant at, String actor, Subscription.Status from, Subscription.Status to,
                             String comment) {
    }
}
