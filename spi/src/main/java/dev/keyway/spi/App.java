package dev.keyway.spi;

import java.util.Objects;

/**
 * An app (consumer) as stages see it. Belongs to one team; subscriptions are held by apps.
 *
 * @param id     app id
 * @param teamId owning team
 * @param name   display name
 * @param status active or disabled
 */
public record App(String id, String teamId, String name, Status status) {

    public App {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(teamId, "teamId");
        Objects.requireNonNull(status, "status");
    }

    /** Whether the app's keys may call. */
    public enum Status { ACTIVE, DISABLED }
}
