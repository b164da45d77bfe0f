package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Apps (consumers) of a team: {@code /admin/apps}. Team owners and admins create and change them; members read.
 * Apps of other teams answer 404.
 */
final class AppRoutes {
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}";

    private final AdminContext context;
    private final EntityCache<StoredApp> apps;
    private final EntityCache<StoredTeam> teams;
    private final EntityCache<StoredKey> keys;

    AppRoutes(AdminContext context) {
        this.context = context;
        this.apps = context.store().entities(Caches.APPS, StoredApp.class, StoredApp::id);
        this.teams = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
        this.keys = context.store().entities(Caches.KEYS, StoredKey.class, StoredKey::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/apps", guard.wrap(this::create))
                .get("/admin/apps", guard.wrap((req, res, who) -> {
                    String team = req.query().first("teamId").orElse(null);
                    Json.send(res, 200, Map.of("data", apps.all().stream()
                            .filter(a -> who.canSee(a.teamId()) && (team == null || team.equals(a.teamId())))
                            .sorted(Comparator.comparing(StoredApp::name)).toList()));
                }))
                .get("/admin/apps/{id}", guard.wrap((req, res, who) -> Json.send(res, 200, find(req, who))))
                .patch("/admin/apps/{id}", guard.wrap(this::update))
                .delete("/admin/apps/{id}", guard.wrap(this::delete));
    }

    private void create(ServerRequest req, ServerResponse res, Principal who) {
        Fields f = new Fields(Json.body(req), Set.of("teamId", "name", "description"));
        String teamId = f.text("teamId", true, null, "the id of the app's team");
        String name = f.text("name", true, NAME, "1-64 letters, digits, space, '.', '_' or '-'");
        String description = f.text("description", false, ".{0,500}", "up to 500 characters");
        f.check();
        if (teams.get(teamId).filter(t -> who.canSee(t.id())).isEmpty()) {
            throw AdminErrors.notFound("team", teamId);
        }
        TeamRoutes.requireManage(who, teamId);
        if (apps.all().stream().anyMatch(a -> a.teamId().equals(teamId) && a.name().equalsIgnoreCase(name))) {
            throw AdminErrors.of(409, "conflict", "team " + teamId + " already has an app named '" + name + "'");
        }
        var now = context.clock().instant();
        StoredApp app = new StoredApp(Ids.next("app"), teamId, name, description, App.Status.ACTIVE, now, now);
        apps.put(app);
        context.audit(who, "app.create", "app", app.id(), teamId, null, app);
        Json.send(res, 201, app);
    }

    private void update(ServerRequest req, ServerResponse res, Principal who) {
        StoredApp before = find(req, who);
        TeamRoutes.requireManage(who, before.teamId());
        Fields f = new Fields(Json.body(req), Set.of("name", "description", "status"));
        String name = f.text("name", false, NAME, "1-64 letters, digits, space, '.', '_' or '-'");
        String description = f.text("description", false, ".{0,500}", "up to 500 characters");
        App.Status status = f.choice("status", App.Status.class, false);
        f.check();
        StoredApp after = new StoredApp(before.id(), before.teamId(), name == null ? before.name() : name,
                description == null ? before.description() : description,
                status == null ? before.status() : status, before.createdAt(), context.clock().instant());
        apps.put(after);
        apps.awaitEverywhere(after.id());
        context.audit(who, "app.update", "app", after.id(), after.teamId(), before, after);
        Json.send(res, 200, after);
    }

    private void delete(ServerRequest req, ServerResponse res, Principal who) {
        StoredApp before = find(req, who);
        TeamRoutes.requireManage(who, before.teamId());
        List<String> active = keys.all().stream()
                .filter(k -> before.id().equals(k.appId()) && k.status() == ApiKey.Status.ACTIVE)
                .map(StoredKey::id).toList();
        if (!active.isEmpty()) {
            throw AdminErrors.of(409, "app_has_keys", "app " + before.id() + " still has active keys " + active
                    + ": revoke them first, or disable the app instead");
        }
        apps.remove(before.id());
        context.audit(who, "app.delete", "app", before.id(), before.teamId(), before, null);
        res.status(204).send();
    }

    private StoredApp find(ServerRequest req, Principal who) {
        String id = req.path().pathParameters().get("id");
        return apps.get(id).filter(a -> who.canSee(a.teamId())).orElseThrow(() -> AdminErrors.notFound("app", id));
    }
}
