package dev.keyway.kernel.store;

import dev.keyway.spi.User;

import java.time.Instant;
import java.util.Objects;

/**
 * A user as {@code keyway-users} stores it. The password is kept only as a salted slow hash (see the identity
 * package); {@link #toString()} leaves it out.
 *
 * @param passwordHash encoded PBKDF2 hash, or null for a user who cannot log in
 */
public record StoredUser(String id, String username, String email, String displayName, User.Status status,
                         User.Role role, String passwordHash, Instant createdAt, Instant updatedAt) {

    public StoredUser {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(role, "role");
    }

    /** The user as stages see it. */
    public User toUser() {
        return new User(id, username, status, role);
    }

    @Override
    public String toString() {
        return "StoredUser[id=" + id + ", username=" + username + ", status=" + status + ", role=" + role + "]";
    }
}
