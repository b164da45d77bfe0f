package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.Team;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Teams (tenants) and their members: {@code /admin/teams}. System admins create and delete teams and change
 * their status; a team's owners and admins rename it and manage members; members only read. A team the caller
 * does not belong to answers 404.
 */
final class TeamRoutes {
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}";

    private final AdminContext context;
    private final EntityCache<StoredTeam> teams;
    private final EntityCache<StoredUser> users;
    private final EntityCache<StoredApp> apps;
    private final MemberKeys memberKeys;

    TeamRoutes(AdminContext context) {
        this.context = context;
        this.memberKeys = new MemberKeys(context);
        this.teams = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
        this.users = context.store().entities(Caches.USERS, StoredUser.class, StoredUser::id);
        this.apps = context.store().entities(Caches.APPS, StoredApp.class, StoredApp::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/teams", guard.wrap(this::create))
                .get("/admin/teams", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data",
                        teams.all().stream().filter(t -> who.canSee(t.id()))
                                .sorted(Comparator.comparing(StoredTeam::name)).toList()))))
                .get("/admin/teams/{id}", guard.wrap((req, res, who) -> Json.send(res, 200, find(req, who))))
                .patch("/admin/teams/{id}", guard.wrap(this::update))
                .delete("/admin/teams/{id}", guard.wrap(this::delete))
                .put("/admin/teams/{id}/members/{userId}", guard.wrap(this::putMember))
                .delete("/admin/teams/{id}/members/{userId}", guard.wrap(this::removeMember));
    }

    private void create(ServerRequest req, ServerResponse res, Principal who) {
        who.requireSystemAdmin();
        Fields f = new Fields(Json.body(req), Set.of("name", "description", "owner"));
        String name = f.text("name", true, NAME, "1-64 letters, digits, space, '.', '_' or '-'");
        String description = f.text("description", false, ".{0,500}", "up to 500 characters");
        String owner = f.text("owner", false, null, "a user id");
        if (owner != null && users.get(owner).isEmpty()) {
            f.error("owner", "no user " + owner);
        }
        if (name != null && teams.all().stream().anyMatch(t -> t.name().equalsIgnoreCase(name))) {
            f.error("name", "a team named '" + name + "' exists");
        }
        f.check();
        var now = context.clock().instant();
        List<StoredTeam.Member> members = owner == null ? List.of()
                : List.of(new StoredTeam.Member(owner, StoredTeam.Role.OWNER));
        StoredTeam team = new StoredTeam(Ids.next("t"), name, description, Team.Status.ACTIVE, members, now, now);
        teams.put(team);
        context.audit(who, "team.create", "team", team.id(), team.id(), null, team);
        Json.send(res, 201, team);
    }

    private void update(ServerRequest req, ServerResponse res, Principal who) {
        StoredTeam before = find(req, who);
        requireManage(who, before.id());
        Fields f = new Fields(Json.body(req), Set.of("name", "description", "status"));
        String name = f.text("name", false, NAME, "1-64 letters, digits, space, '.', '_' or '-'");
        String description = f.text("description", false, ".{0,500}", "up to 500 characters");
        Team.Status status = f.choice("status", Team.Status.class, false);
        if (status != null && status != before.status() && !who.systemAdmin()) {
            f.error("status", "only a system admin enables or disables a team");
        }
        f.check();
        StoredTeam after = new StoredTeam(before.id(), name == null ? before.name() : name,
                description == null ? before.description() : description, status == null ? before.status() : status,
                before.members(), before.createdAt(), context.clock().instant());
        teams.update(before, after);
        teams.awaitEverywhere(after.id());
        context.audit(who, "team.update", "team", after.id(), after.id(), before, after);
        Json.send(res, 200, after);
    }

    private void delete(ServerRequest req, ServerResponse res, Principal who) {
        StoredTeam before = find(req, who);
        who.requireSystemAdmin();
        List<String> teamApps = apps.all().stream().filter(a -> a.teamId().equals(before.id())).map(StoredApp::id)
                .toList();
        if (!teamApps.isEmpty()) {
            throw AdminErrors.of(409, "team_not_empty", "team " + before.id() + " still has apps " + teamApps
                    + ": delete them first, or disable the team instead");
        }
        teams.remove(before.id());
        context.audit(who, "team.delete", "team", before.id(), before.id(), before, null);
        res.status(204).send();
    }

    private void putMember(ServerRequest req, ServerResponse res, Principal who) {
        StoredTeam before = find(req, who);
        requireManage(who, before.id());
        String userId = req.path().pathParameters().get("userId");
        Fields f = new Fields(Json.body(req), Set.of("role"));
        StoredTeam.Role role = f.choice("role", StoredTeam.Role.class, true);
        f.check();
        StoredTeam.Role current = before.roleOf(userId).orElse(null);
        // Only system admins add people from outside the caller's teams: a team admin must not pull in (and so
        // read, and issue keys for) another team's user. Unknown and invisible users answer alike.
        if (users.get(userId).isEmpty() || (current == null && !who.systemAdmin() && !sharesATeam(who, userId))) {
            throw AdminErrors.notFound("user", userId);
        }
        requireOwnerFor(who, before, role == StoredTeam.Role.OWNER || current == StoredTeam.Role.OWNER);
        if (current == StoredTeam.Role.OWNER && role != StoredTeam.Role.OWNER) {
            requireAnotherOwner(before, userId);
        }
        List<StoredTeam.Member> members = new ArrayList<>(before.members().stream()
                .filter(m -> !m.userId().equals(userId)).toList());
        members.add(new StoredTeam.Member(userId, role));
        StoredTeam after = withMembers(before, members);
        teams.update(before, after);
        context.audit(who, "team.member.put", "team", after.id(), after.id(), before, after);
        Json.send(res, 200, after);
    }

    private void removeMember(ServerRequest req, ServerResponse res, Principal who) {
        StoredTeam before = find(req, who);
        requireManage(who, before.id());
        String userId = req.path().pathParameters().get("userId");
        StoredTeam.Role current = before.roleOf(userId).orElseThrow(() -> AdminErrors.notFound("member", userId));
        requireOwnerFor(who, before, current == StoredTeam.Role.OWNER);
        if (current == StoredTeam.Role.OWNER) {
            requireAnotherOwner(before, userId);
        }
        memberKeys.handOver(before.id(), userId, req.query().first("keys").orElse(null),
                req.query().first("to").orElse(null), who);
        StoredTeam after = withMembers(before, before.members().stream().filter(m -> !m.userId().equals(userId))
                .toList());
        teams.update(before, after);
        context.audit(who, "team.member.remove", "team", after.id(), after.id(), before, after);
        res.status(204).send();
    }

    private boolean sharesATeam(Principal who, String userId) {
        return teams.all().stream().anyMatch(t -> who.teams().containsKey(t.id()) && t.roleOf(userId).isPresent());
    }

    /** Making, changing or removing an owner needs an owner of the team or a system admin. */
    private static void requireOwnerFor(Principal who, StoredTeam team, boolean ownerInvolved) {
        if (ownerInvolved && !who.systemAdmin() && team.roleOf(who.userId()).orElse(null) != StoredTeam.Role.OWNER) {
            throw AdminErrors.of(403, "forbidden", "only an owner of team " + team.id()
                    + " or a system admin makes, changes or removes owners");
        }
    }

    /** A team that has an owner keeps at least one. */
    private static void requireAnotherOwner(StoredTeam team, String leaving) {
        boolean another = team.members().stream()
                .anyMatch(m -> m.role() == StoredTeam.Role.OWNER && !m.userId().equals(leaving));
        if (!another) {
            throw AdminErrors.of(409, "last_owner", "user " + leaving + " is the last owner of team " + team.id()
                    + "; make another member an owner first");
        }
    }

    private StoredTeam withMembers(StoredTeam t, List<StoredTeam.Member> members) {
        return new StoredTeam(t.id(), t.name(), t.description(), t.status(), members, t.createdAt(),
                context.clock().instant());
    }

    private StoredTeam find(ServerRequest req, Principal who) {
        String id = req.path().pathParameters().get("id");
        return teams.get(id).filter(t -> who.canSee(t.id())).orElseThrow(() -> AdminErrors.notFound("team", id));
    }

    static void requireManage(Principal who, String teamId) {
        if (!who.canManage(teamId)) {
            throw AdminErrors.of(403, "forbidden", "this change needs the owner or admin role in team " + teamId);
        }
    }
}
