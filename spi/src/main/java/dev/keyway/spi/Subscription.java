package dev.keyway.spi;

import java.util.Objects;

/**
 * An app's subscription to a service. Only {@link Status#APPROVED} lets the app's keys call the service.
 *
 * @param id        subscription id
 * @param appId     subscribing app
 * @param serviceId the service
 * @param status    where the subscription is in its life
 */
public record Subscription(String id, String appId, String serviceId, Status status) {

    public Subscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(serviceId, "serviceId");
        Objects.requireNonNull(status, "status");
    }

    /** The subscription lifecycle. */
    public enum Status { PENDING, APPROVED, REJECTED, SUSPENDED, REVOKED, CANCELLED }
}
