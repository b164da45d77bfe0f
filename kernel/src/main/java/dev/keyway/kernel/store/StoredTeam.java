package dev.keyway.kernel.store;

import dev.keyway.spi.Team;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A team (tenant) as {@code keyway-teams} stores it, with its members.
 *
 * @param members who belongs to the team and with which role
 */
public record StoredTeam(String id, String name, String description, Team.Status status, List<Member> members,
                         Instant createdAt, Instant updatedAt) {

    public StoredTeam {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** The team as stages see it. */
    public Team toTeam() {
        return new Team(id, name, status);
    }

    /** The role of {@code userId} in this team, if a member. */
    public Optional<Role> roleOf(String userId) {
        return members.stream().filter(m -> m.userId().equals(userId)).map(Member::role).findFirst();
    }

    /** A team role: owners and admins manage the team's objects; members use them. */
    public enum Role { OWNER, ADMIN, MEMBER }

    /**
     * One membership.
     *
     * @param userId the member
     * @param role   the member's role in this team
     */
    public record Member(String userId, Role role) {
        public Member {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(role, "role");
        }
    }
}
