package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.StoredTeam;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who calls the admin plane. System admins see and manage everything; everyone else acts through team roles:
 * members see their teams' objects, owners and admins also change them. Objects of other teams are invisible
 * (their ids answer 404, never 403, so nothing can be inferred).
 *
 * @param userId      the user's id ("bootstrap" for the bootstrap token)
 * @param username    the user's login name
 * @param systemAdmin whether the user is a system admin
 * @param teams       team id to the user's role in it
 */
public record Principal(String userId, String username, boolean systemAdmin, Map<String, StoredTeam.Role> teams) {

    public Principal {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(username, "username");
        teams = Map.copyOf(teams);
    }

    /** The bootstrap token's principal: a system admin that exists only until the first admin user does. */
    static Principal bootstrap() {
        return new Principal("bootstrap", "bootstrap", true, Map.of());
    }

    /** Whether this principal may see objects of {@code teamId} (null: system-level objects). */
    public boolean canSee(String teamId) {
        return systemAdmin || (teamId != null && teams.containsKey(teamId));
    }

    /** Whether this principal may change objects of {@code teamId} (null: system-level objects). */
    public boolean canManage(String teamId) {
        if (systemAdmin) {
            return true;
        }
        StoredTeam.Role role = teamId == null ? null : teams.get(teamId);
        return role == StoredTeam.Role.OWNER || role == StoredTeam.Role.ADMIN;
    }

    /** The teams this principal sees, or null when it sees all of them. */
    public Set<String> visibleTeams() {
        return systemAdmin ? null : teams.keySet();
    }

    /** 403 unless a system admin (for node-level routes: plugins, stages, users of other teams). */
    void requireSystemAdmin() {
        if (!systemAdmin) {
            throw AdminErrors.of(403, "forbidden", "this route needs a system admin");
        }
    }
}
