package dev.keyway.spi;

import java.util.Objects;

/**
 * A team (tenant) as stages see it.
 *
 * @param id     team id
 * @param name   display name
 * @param status active or disabled
 */
public record Team(String id, String name, Status status) {

    public Team {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
    }

    /** Whether the team's members and keys may act. */
    public enum Status { ACTIVE, DISABLED }
}
