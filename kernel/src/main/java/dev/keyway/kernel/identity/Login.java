package dev.keyway.kernel.identity;

import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.User;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a username and password and opens a session. An unknown user, a wrong password, a disabled user and a
 * user without a password all give the same {@link Refused}, after the same slow hash, so neither the answer
 * nor its timing tells whether a username exists.
 */
public final class Login {
    private final UserDirectory users;
    private final PasswordHasher hasher;
    private final LoginThrottle throttle;
    private final Sessions sessions;
    // Verified against when there is no real hash, to spend the same time as a real check.
    private final String decoy;

    public Login(UserDirectory users, PasswordHasher hasher, LoginThrottle throttle, Sessions sessions) {
        this.users = Objects.requireNonNull(users, "users");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.decoy = hasher.decoy();
    }

    /** One login attempt from {@code clientIp}. */
    public Outcome attempt(String username, String password, String clientIp) {
        Optional<Duration> wait = throttle.admit(username, clientIp);
        if (wait.isPresent()) {
            return new Throttled(wait.get());
        }
        Optional<StoredUser> found = users.byUsername(username);
        String hash = found.map(StoredUser::passwordHash).orElse(null);
        boolean matches = hasher.verify(password, hash == null ? decoy : hash) && hash != null;
        // Read again after the slow hash: the user may have been disabled or deleted meanwhile.
        Optional<StoredUser> current = matches ? users.byId(found.get().id()) : Optional.empty();
        if (current.isEmpty() || current.get().status() != User.Status.ACTIVE) {
            return new Refused();
        }
        throttle.succeeded(username, clientIp);
        return new Success(current.get(), sessions.open(current.get().id()));
    }

    /** What a login attempt came to. */
    public sealed interface Outcome permits Success, Refused, Throttled {
    }

    /**
     * The password was right and the user active.
     *
     * @param user    the user
     * @param session the new session, with its token
     */
    public record Success(StoredUser user, Sessions.Opened session) implements Outcome {
    }

    /** Wrong username or password, or a user who may not log in: deliberately not saying which. */
    public record Refused() implements Outcome {
    }

    /**
     * Too many failures: try again after {@code retryAfter}.
     *
     * @param retryAfter how long the lockout still lasts
     */
    public record Throttled(Duration retryAfter) implements Outcome {
    }
}
