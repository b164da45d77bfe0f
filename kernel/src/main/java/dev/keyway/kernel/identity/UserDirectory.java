package dev.keyway.kernel.identity;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.User;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The users in {@code keyway-users}, with the rules that span more than one user: usernames are unique
 * ignoring case, and at least one active system admin remains (with none, {@code AdminAuth} would accept the
 * bootstrap token again). Writes that check a rule hold the users cache's monitor, so they are atomic on this
 * node; two nodes racing on the same username could both succeed, which an admin plane's traffic makes unlikely.
 */
public final class UserDirectory {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EntityCache<StoredUser> users;
    private final EntityCache<StoredTeam> teams;

    public UserDirectory(IgniteStore store) {
        this.users = store.entities(Caches.USERS, StoredUser.class, StoredUser::id);
        this.teams = store.entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
    }

    /** A new random user id. */
    public static String newId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "usr-" + HexFormat.of().formatHex(b);
    }

    public Optional<StoredUser> byId(String id) {
        return users.get(id);
    }

    /** The user with this login name, ignoring case. */
    public Optional<StoredUser> byUsername(String username) {
        String wanted = username.strip().toLowerCase(Locale.ROOT);
        return users.all().stream().filter(u -> u.username().toLowerCase(Locale.ROOT).equals(wanted)).findFirst();
    }

    public List<StoredUser> all() {
        return users.all();
    }

    /** Stores a new user unless the username is taken. */
    public Result create(StoredUser user) {
        synchronized (users) {
            if (byUsername(user.username()).isPresent()) {
                return Result.USERNAME_TAKEN;
            }
            users.put(user);
            return Result.DONE;
        }
    }

    /** Stores the first system admin, unless an active admin exists already or the username is taken. */
    public Result createFirstAdmin(StoredUser admin) {
        synchronized (users) {
            if (activeAdmins(null) > 0) {
                return Result.ADMIN_EXISTS;
            }
            return create(admin);
        }
    }

    /** Replaces a user, unless that would leave no active system admin. */
    public Result update(StoredUser user) {
        synchronized (users) {
            if (!isActiveAdmin(user) && isLastAdmin(user.id())) {
                return Result.LAST_ADMIN;
            }
            users.put(user);
        }
        // A disabled owner must be refused by every node's next request.
        users.awaitEverywhere(user.id());
        return Result.DONE;
    }

    /** Stores a user as is, without checking any rule (a rehashed password). */
    public void put(StoredUser user) {
        users.put(user);
    }

    /** Removes a user, unless it is the last active system admin. */
    public Result remove(String id) {
        synchronized (users) {
            if (isLastAdmin(id)) {
                return Result.LAST_ADMIN;
            }
            users.remove(id);
        }
        users.awaitEverywhere(id);
        return Result.DONE;
    }

    /** Whether removing or demoting {@code id} would leave no active system admin. */
    public boolean isLastAdmin(String id) {
        return activeAdmins(id) == 0 && users.get(id).filter(UserDirectory::isActiveAdmin).isPresent();
    }

    /** The ids of users who share a team with {@code userId}, and {@code userId} itself. */
    public Set<String> teammatesOf(String userId) {
        Set<String> ids = new HashSet<>();
        ids.add(userId);
        for (StoredTeam team : teams.all()) {
            if (team.roleOf(userId).isPresent()) {
                team.members().forEach(m -> ids.add(m.userId()));
            }
        }
        return ids;
    }

    /** The teams {@code userId} belongs to, with its role in each. */
    public List<Membership> membershipsOf(String userId) {
        return teams.all().stream().flatMap(t -> t.roleOf(userId).stream()
                .map(r -> new Membership(t.id(), t.name(), r.name().toLowerCase(Locale.ROOT)))).toList();
    }

    /** Whether {@code userId} is in the team {@code teamId}. */
    public boolean isMember(String userId, String teamId) {
        return teams.get(teamId).flatMap(t -> t.roleOf(userId)).isPresent();
    }

    private long activeAdmins(String except) {
        return users.all().stream().filter(u -> !u.id().equals(except)).filter(UserDirectory::isActiveAdmin).count();
    }

    private static boolean isActiveAdmin(StoredUser u) {
        return u.role() == User.Role.ADMIN && u.status() == User.Status.ACTIVE;
    }

    /** The outcome of a write that checks a rule. */
    public enum Result { DONE, USERNAME_TAKEN, ADMIN_EXISTS, LAST_ADMIN }

    /**
     * One team membership.
     *
     * @param teamId the team
     * @param name   the team's name
     * @param role   the user's role in it: owner, admin or member
     */
    public record Membership(String teamId, String name, String role) {
        public Membership {
            Objects.requireNonNull(teamId, "teamId");
        }
    }
}
