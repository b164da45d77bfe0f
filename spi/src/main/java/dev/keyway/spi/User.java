package dev.keyway.spi;

import java.util.Objects;

/**
 * A user as stages see it.
 *
 * @param id       user id
 * @param username login name
 * @param status   active or disabled
 * @param role     system role
 */
public record User(String id, String username, Status status, Role role) {

    public User {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(role, "role");
    }

    /** Whether the user may act. */
    public enum Status { ACTIVE, DISABLED }

    /** System role: admins manage everything, users act through team roles. */
    public enum Role { ADMIN, USER }
}
