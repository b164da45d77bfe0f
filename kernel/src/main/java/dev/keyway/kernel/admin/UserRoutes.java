package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.identity.OwnedKeys;
import dev.keyway.kernel.identity.PasswordHasher;
import dev.keyway.kernel.identity.PasswordPolicy;
import dev.keyway.kernel.identity.Sessions;
import dev.keyway.kernel.identity.UserDirectory;
import dev.keyway.kernel.identity.UserFields;
import dev.keyway.kernel.identity.UserView;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.User;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /admin/users}: system admins manage every user; other users see themselves and the members of their
 * teams (anyone else answers 404) and change only their own email, display name and password. Responses and
 * audit entries carry {@link UserView}, never the password hash.
 */
final class UserRoutes {
    private static final Set<String> CREATE = Set.of("username", "email", "displayName", "role", "password");
    private static final Set<String> PATCH = Set.of("status", "role", "email", "displayName", "password",
            "currentPassword");

    private final AdminContext context;
    private final UserDirectory users;
    private final Sessions sessions;
    private final OwnedKeys keys;
    private final PasswordHasher hasher = PasswordHasher.standard();
    private final PasswordPolicy policy = PasswordPolicy.standard();

    UserRoutes(AdminContext context) {
        this.context = context;
        this.users = new UserDirectory(context.store());
        this.sessions = new Sessions(context.store(), context.clock(), Sessions.DEFAULT_TTL);
        this.keys = new OwnedKeys(context.store(), users);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/users", guard.wrap(this::create))
                .get("/admin/users", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data", list(who)))))
                .get("/admin/users/{id}", guard.wrap((req, res, who) -> Json.send(res, 200,
                        UserView.of(find(id(req), who)))))
                .patch("/admin/users/{id}", guard.wrap(this::update))
                .delete("/admin/users/{id}", guard.wrap(new Deletion()::delete));
    }

    private List<UserView> list(Principal who) {
        Set<String> visible = who.systemAdmin() ? null : users.teammatesOf(who.userId());
        return users.all().stream().filter(u -> visible == null || visible.contains(u.id()))
                .sorted(Comparator.comparing(StoredUser::username)).map(UserView::of).toList();
    }

    private void create(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        ObjectNode body = Json.body(req);
        Map<String, String> errors = new LinkedHashMap<>();
        UserFields.rejectUnknown(body, CREATE, errors);
        String username = UserFields.username(body, errors);
        String email = UserFields.email(body, true, errors);
        String displayName = UserFields.displayName(body, errors);
        User.Role role = UserFields.role(body, errors);
        String password = UserFields.password(body, username, policy, errors);
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        Instant now = context.clock().instant();
        StoredUser user = new StoredUser(UserDirectory.newId(), username, email,
                displayName == null ? username : displayName, User.Status.ACTIVE,
                role == null ? User.Role.USER : role, hasher.hash(password), now, now);
        if (users.create(user) != UserDirectory.Result.DONE) {
            throw AdminErrors.of(409, "conflict", "username '" + username + "' is taken");
        }
        context.audit(who, "user.create", "user", user.id(), null, null, UserView.of(user));
        Json.send(res, 201, UserView.of(user));
    }

    private void update(ServerRequest req, ServerResponse res, Principal who) {
        StoredUser before = find(id(req), who);
        boolean self = before.id().equals(who.userId());
        if (!who.systemAdmin() && !self) {
            throw AdminErrors.of(403, "forbidden", "changing another user needs a system admin");
        }
        ObjectNode body = Json.body(req);
        Map<String, String> errors = new LinkedHashMap<>();
        UserFields.rejectUnknown(body, PATCH, errors);
        User.Status status = UserFields.status(body, errors);
        User.Role role = UserFields.role(body, errors);
        if (!who.systemAdmin() && (body.has("status") || body.has("role"))) {
            throw AdminErrors.of(403, "forbidden", "changing status or role needs a system admin");
        }
        String email = UserFields.email(body, false, errors);
        String displayName = UserFields.displayName(body, errors);
        String password = body.has("password") ? UserFields.password(body, before.username(), policy, errors) : null;
        if (password != null && self && !currentPasswordMatches(req, res, body, before)) {
            // A borrowed session alone must not be enough to lock the owner out.
            errors.put("currentPassword", "changing your own password needs your current password");
        }
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        StoredUser after = new StoredUser(before.id(), before.username(), or(email, before.email()),
                or(displayName, before.displayName()), or(status, before.status()), or(role, before.role()),
                password == null ? before.passwordHash() : hasher.hash(password), before.createdAt(),
                context.clock().instant());
        if (users.update(after) == UserDirectory.Result.LAST_ADMIN) {
            throw lastAdmin(before);
        }
        if (after.status() == User.Status.DISABLED) {
            sessions.closeAllOf(after.id(), null);
        } else if (password != null) {
            sessions.closeAllOf(after.id(), self ? SessionRoutes.bearer(req) : null);
        }
        context.audit(who, password == null ? "user.update" : "user.update-password", "user", after.id(), null,
                UserView.of(before), UserView.of(after));
        Json.send(res, 200, UserView.of(after));
    }

    /** Checks the current password through the login throttle: a borrowed session cannot guess it freely. */
    private boolean currentPasswordMatches(ServerRequest req, ServerResponse res, ObjectNode body, StoredUser user) {
        String ip = context.clientIp().address(req);
        var wait = context.throttle().admit(user.username(), ip);
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            res.header("Retry-After", Long.toString(seconds));
            throw AdminErrors.of(429, "too_many_attempts", "too many failed password checks for this user; try "
                    + "again in " + seconds + " s");
        }
        var current = body.get("currentPassword");
        boolean ok = current != null && current.isTextual() && hasher.verify(current.asText(), user.passwordHash());
        if (ok) {
            context.throttle().succeeded(user.username(), ip);
        }
        return ok;
    }

    /** The user, or 404 when it does not exist or the caller shares no team with it. */
    private StoredUser find(String id, Principal who) {
        return users.byId(id).filter(u -> who.systemAdmin() || users.teammatesOf(who.userId()).contains(u.id()))
                .orElseThrow(() -> AdminErrors.notFound("user", id));
    }

    /** The new value, or the old one when the request leaves the field out (the old one may be null). */
    private static <T> T or(T changed, T old) {
        return changed != null ? changed : old;
    }

    private static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }

    private static AdminErrors lastAdmin(StoredUser user) {
        return AdminErrors.of(409, "last_admin", "user '" + user.username() + "' is the last active system admin; "
                + "make another user an admin first");
    }

    /** {@code DELETE /admin/users/{id}?keys=revoke|transfer&to=}: what happens to the user's active keys first. */
    private final class Deletion {

        void delete(ServerRequest req, ServerResponse res, Principal who) {
            StoredUser user = find(id(req), who);
            who.requireSystemAdmin();
            String mode = req.query().first("keys").asOptional().orElse(null);
            if (mode != null && !mode.equals("revoke") && !mode.equals("transfer")) {
                throw AdminErrors.invalid(Map.of("keys", "expected revoke or transfer"));
            }
            if (users.isLastAdmin(user.id())) {
                throw lastAdmin(user);
            }
            List<String> soleOwner = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id).all()
                    .stream().filter(t -> t.roleOf(user.id()).orElse(null) == StoredTeam.Role.OWNER
                            && t.members().stream().filter(m -> m.role() == StoredTeam.Role.OWNER).count() == 1)
                    .map(StoredTeam::id).toList();
            if (!soleOwner.isEmpty()) {
                throw AdminErrors.of(409, "last_owner", "user " + user.id() + " is the last owner of teams "
                        + soleOwner + "; make another member an owner first");
            }
            List<StoredKey> owned = keys.activeOf(user.id());
            if (!owned.isEmpty()) {
                handOver(user.id(), owned, mode, req.query().first("to").asOptional().orElse(null), who);
            }
            sessions.closeAllOf(user.id(), null);
            if (users.remove(user.id()) == UserDirectory.Result.LAST_ADMIN) {
                throw lastAdmin(user);
            }
            context.audit(who, "user.delete", "user", user.id(), null, UserView.of(user), null);
            leaveTeams(user.id(), who);
            res.status(204).send();
        }

        /** A deleted user's memberships go too, so no team lists a member who no longer exists. */
        private void leaveTeams(String userId, Principal who) {
            var teams = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
            for (StoredTeam team : teams.all()) {
                if (team.roleOf(userId).isPresent()) {
                    StoredTeam after = new StoredTeam(team.id(), team.name(), team.description(), team.status(),
                            team.members().stream().filter(m -> !m.userId().equals(userId)).toList(),
                            team.createdAt(), context.clock().instant());
                    teams.update(team, after);
                    context.audit(who, "team.member.remove", "team", team.id(), team.id(), team, after);
                }
            }
        }

        private void handOver(String id, List<StoredKey> owned, String mode, String to, Principal who) {
            String ids = owned.stream().map(StoredKey::id).collect(Collectors.joining(", "));
            if (mode == null) {
                throw AdminErrors.of(409, "user_has_keys", "the user owns active keys " + ids + "; repeat with "
                        + "?keys=revoke to revoke them, or ?keys=transfer&to=<userId> to give them to another user");
            }
            if (mode.equals("revoke")) {
                for (StoredKey key : owned) {
                    StoredKey revoked = keys.revoke(key);
                    context.audit(who, "key.revoke", "key", key.id(), key.teamId(), key.toApiKey(),
                            revoked.toApiKey());
                }
                return;
            }
            StoredUser target = to == null || to.equals(id) ? null : users.byId(to).orElse(null);
            if (target == null) {
                throw AdminErrors.invalid(Map.of("to", "expected the id of another existing user to receive keys "
                        + ids));
            }
            // All or nothing: check every key before moving any.
            List<String> refusals = owned.stream().flatMap(k -> keys.whyNotTransferable(k, target).stream()).toList();
            if (!refusals.isEmpty()) {
                throw AdminErrors.invalid(Map.of("to", "cannot transfer: " + String.join("; ", refusals)));
            }
            for (StoredKey key : owned) {
                StoredKey moved = keys.transfer(key, target.id());
                context.audit(who, "key.transfer", "key", key.id(), key.teamId(), key.toApiKey(), moved.toApiKey());
            }
        }
    }
}
