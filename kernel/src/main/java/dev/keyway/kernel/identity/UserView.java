package dev.keyway.kernel.identity;

import dev.keyway.kernel.store.StoredUser;

import java.time.Instant;
import java.util.Locale;

/**
 * A user as the admin API shows it, and as the audit log records it: every field but the password hash. Status
 * and role are lower case, as callers send them.
 */
public record UserView(String id, String username, String email, String displayName, String status, String role,
                       Instant createdAt, Instant updatedAt) {

    public static UserView of(StoredUser user) {
        return new UserView(user.id(), user.username(), user.email(), user.displayName(),
                user.status().name().toLowerCase(Locale.ROOT), user.role().name().toLowerCase(Locale.ROOT),
                user.createdAt(), user.updatedAt());
    }
}
