package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.identity.Login;
import dev.keyway.kernel.identity.PasswordHasher;
import dev.keyway.kernel.identity.PasswordPolicy;
import dev.keyway.kernel.identity.Sessions;
import dev.keyway.kernel.identity.UserDirectory;
import dev.keyway.kernel.identity.UserFields;
import dev.keyway.kernel.identity.UserView;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.User;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Getting into the admin plane: {@code POST /admin/bootstrap} (the first admin, with the bootstrap token),
 * {@code POST /admin/login}, {@code POST /admin/logout} and {@code GET /admin/me}. No route here logs a request
 * body: they carry passwords.
 */
final class SessionRoutes {
    private static final String INVALID_CREDENTIALS = "wrong username or password";
    private static final int MAX_USERNAME = 64;

    private final AdminContext context;
    private final UserDirectory users;
    private final Sessions sessions;
    private final PasswordHasher hasher = PasswordHasher.standard();
    private final PasswordPolicy policy = PasswordPolicy.standard();
    private final Login login;

    SessionRoutes(AdminContext context) {
        this.context = context;
        this.users = new UserDirectory(context.store());
        this.sessions = new Sessions(context.store(), context.clock(), Sessions.DEFAULT_TTL);
        this.login = new Login(users, hasher, context.throttle(), sessions);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/bootstrap", guard.wrap(this::bootstrap))
                .post("/admin/login", guard.open(this::login))
                .post("/admin/logout", guard.wrap(this::logout))
                .get("/admin/me", guard.wrap(this::me));
    }

    private void bootstrap(ServerRequest req, ServerResponse res, Principal who) {
        if (!who.userId().equals(Principal.bootstrap().userId())) {
            throw AdminErrors.of(403, "forbidden", "POST /admin/bootstrap needs the bootstrap token; an admin "
                    + "exists already: create users with POST /admin/users");
        }
        ObjectNode body = Json.body(req);
        Map<String, String> errors = new LinkedHashMap<>();
        UserFields.rejectUnknown(body, Set.of("username", "password", "email", "displayName"), errors);
        String username = UserFields.username(body, errors);
        String email = UserFields.email(body, false, errors);
        String displayName = UserFields.displayName(body, errors);
        String password = UserFields.password(body, username, policy, errors);
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        Instant now = context.clock().instant();
        StoredUser admin = new StoredUser(UserDirectory.newId(), username, email,
                displayName == null ? username : displayName, User.Status.ACTIVE, User.Role.ADMIN,
                hasher.hash(password), now, now);
        switch (users.createFirstAdmin(admin)) {
            case DONE -> { }
            case ADMIN_EXISTS -> throw AdminErrors.of(409, "conflict", "an admin exists already; log in with "
                    + "POST /admin/login");
            default -> throw AdminErrors.of(409, "conflict", "username '" + username + "' is taken");
        }
        UserView view = UserView.of(admin);
        context.audit(who, "user.bootstrap", "user", admin.id(), null, null, view);
        Json.send(res, 201, view);
    }

    private void login(ServerRequest req, ServerResponse res, Principal unused) {
        ObjectNode body = Json.body(req);
        Map<String, String> errors = new LinkedHashMap<>();
        UserFields.rejectUnknown(body, Set.of("username", "password"), errors);
        String username = UserFields.requiredText(body, "username", errors);
        String password = UserFields.requiredText(body, "password", errors);
        // No such user can exist; refusing early also keeps the throttle's memory bounded per entry.
        if (username != null && username.length() > MAX_USERNAME) {
            errors.put("username", "expected at most " + MAX_USERNAME + " characters");
        }
        if (password != null && password.length() > PasswordPolicy.MAX_LENGTH) {
            errors.put("password", "expected at most " + PasswordPolicy.MAX_LENGTH + " characters");
        }
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        switch (login.attempt(username, password, context.clientIp().address(req))) {
            case Login.Success ok -> Json.send(res, 200, Map.of(
                    "token", ok.session().token(),
                    "expiresAt", ok.session().session().expiresAt(),
                    "user", Map.of("id", ok.user().id(), "username", ok.user().username(),
                            "role", UserView.of(ok.user()).role())));
            case Login.Refused refused -> throw AdminErrors.of(401, "invalid_credentials", INVALID_CREDENTIALS);
            case Login.Throttled t -> {
                long seconds = Math.max(1, (t.retryAfter().toMillis() + 999) / 1000);
                res.header("Retry-After", Long.toString(seconds));
                throw AdminErrors.of(429, "too_many_attempts", "too many failed logins for this user or from "
                        + "this address; try again in " + seconds + " s");
            }
        }
    }

    private void logout(ServerRequest req, ServerResponse res, Principal who) {
        // The bootstrap token is no session: closing it is a no-op, and it stays valid until an admin exists.
        sessions.close(bearer(req));
        res.status(204).send();
    }

    private void me(ServerRequest req, ServerResponse res, Principal who) {
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("id", who.userId());
        me.put("username", who.username());
        me.put("role", who.systemAdmin() ? "admin" : "user");
        me.put("teams", users.membershipsOf(who.userId()));
        Json.send(res, 200, me);
    }

    /** The token of an authenticated request (the guard has checked the header's form). */
    static String bearer(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION).orElseThrow().substring(7).trim();
    }

}
