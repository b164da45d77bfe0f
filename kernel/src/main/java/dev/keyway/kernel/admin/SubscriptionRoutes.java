package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredSubscription;
import dev.keyway.spi.App;
import dev.keyway.spi.Service;
import dev.keyway.spi.Subscription.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Subscriptions: an app applies for a service ({@code POST /admin/subscriptions}); the service's team approves,
 * rejects, suspends, resumes or revokes; the app's team cancels. One live (pending, approved or suspended)
 * subscription per app and service. Each side sees subscriptions that involve one of its teams; others answer 404.
 * Every transition is stored in the subscription's history and audit-logged with actor and comment.
 */
final class SubscriptionRoutes {
    private static final Set<String> APPLY_FIELDS = Set.of("appId", "serviceId", "reason");
    private static final Set<String> MOVE_FIELDS = Set.of("comment");

    /** A transition an admin can ask for: who may, from which states, to which. */
    private enum Move {
        APPROVE(true, Status.APPROVED, Status.PENDING),
        REJECT(true, Status.REJECTED, Status.PENDING),
        SUSPEND(true, Status.SUSPENDED, Status.APPROVED),
        RESUME(true, Status.APPROVED, Status.SUSPENDED),
        REVOKE(true, Status.REVOKED, Status.APPROVED, Status.SUSPENDED),
        // Not from suspended: a consumer must not lift the provider's suspension by cancelling and re-applying.
        CANCEL(false, Status.CANCELLED, Status.PENDING, Status.APPROVED);

        final boolean byServiceTeam;
        final Status to;
        final Set<Status> from;

        Move(boolean byServiceTeam, Status to, Status... from) {
            this.byServiceTeam = byServiceTeam;
            this.to = to;
            this.from = Set.of(from);
        }
    }

    private final AdminContext context;
    private final EntityCache<StoredSubscription> subscriptions;
    private final EntityCache<Service> services;
    private final EntityCache<StoredApp> apps;
    private final LiveSlots liveSlots;

    SubscriptionRoutes(AdminContext context) {
        this.context = context;
        this.subscriptions = context.store().entities(Caches.SUBSCRIPTIONS, StoredSubscription.class,
                StoredSubscription::id);
        this.services = context.store().entities(Caches.SERVICES, Service.class, Service::id);
        this.apps = context.store().entities(Caches.APPS, StoredApp.class, StoredApp::id);
        this.liveSlots = new LiveSlots(context.store().meta(), subscriptions);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/subscriptions", guard.wrap(this::apply))
                .get("/admin/subscriptions", guard.wrap(this::list))
                .get("/admin/subscriptions/{id}", guard.wrap((req, res, who) -> Json.send(res, 200,
                        find(req.path().pathParameters().get("id"), who))))
                .post("/admin/subscriptions/{id}/{move}", guard.wrap(this::move))
                .get("/admin/teams/{id}/approvals", guard.wrap(this::inbox));
    }

    private void apply(ServerRequest req, ServerResponse res, Principal who) {
        Fields f = new Fields(Json.body(req), APPLY_FIELDS);
        String appId = f.text("appId", true, null, "the id of one of your team's apps");
        String serviceId = f.text("serviceId", true, null, "the id of a service from GET /admin/catalog");
        String reason = f.text("reason", false, "(?s).{0,1000}", "text of at most 1000 characters");
        f.check();
        StoredApp app = apps.get(appId).filter(a -> who.canSee(a.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("app", appId));
        // A service the app's team may not find answers like one that does not exist.
        Service service = services.get(serviceId).filter(s -> visibleTo(s, app.teamId())
                        && (Objects.equals(s.teamId(), app.teamId()) || s.versions().stream().anyMatch(v -> v.lifecycle().serves())))
                .orElseThrow(() -> AdminErrors.notFound("service", serviceId));
        if (app.status() != App.Status.ACTIVE) {
            throw AdminErrors.of(409, "conflict", "app " + appId + " is disabled; enable it before applying");
        }
        if (service.versions().stream().noneMatch(v -> v.lifecycle() == dev.keyway.spi.ServiceVersion.Lifecycle.PUBLISHED)) {
            throw AdminErrors.of(409, "conflict", "service '" + service.name() + "' has no published version");
        }
        Instant now = context.clock().instant();
        StoredSubscription created;
        synchronized (subscriptions) {
            List<StoredSubscription> earlier = subscriptions.all().stream()
                    .filter(s -> s.appId().equals(appId) && s.serviceId().equals(serviceId)).toList();
            Optional<StoredSubscription> live = earlier.stream().filter(StoredSubscription::live).findFirst();
            if (live.isPresent()) {
                throw AdminErrors.of(409, "conflict", "app " + appId + " already has subscription "
                        + live.get().id() + " to service '" + service.name() + "', which is "
                        + ServiceFields.lower(live.get().status()));
            }
            String id = Ids.timeOrdered("sub", now);
            liveSlots.take(appId, serviceId, id, service.name());
            StoredSubscription applied = new StoredSubscription(id, appId, app.teamId(), serviceId,
                    service.teamId(), Status.PENDING, reason, who.userId(), now, now,
                    List.of(new StoredSubscription.Transition(now, who.userId(), null, Status.PENDING, reason)));
            // Automatic approval does not undo the service team's decision: after a revocation or rejection the
            // next application waits for them.
            Optional<StoredSubscription> last = earlier.stream().max(java.util.Comparator.comparing(StoredSubscription::id));
            boolean refusedBefore = last.isPresent()
                    && (last.get().status() == Status.REVOKED || last.get().status() == Status.REJECTED);
            created = service.approval() == Service.Approval.AUTO && !refusedBefore
                    ? applied.moved(Status.APPROVED, "system", "approved automatically (approval: auto)", now)
                    : applied;
            subscriptions.put(created);
        }
        subscriptions.awaitEverywhere(created.id());
        audit(who, "subscription.apply", null, created);
        Json.send(res, 201, created);
    }

    private void move(ServerRequest req, ServerResponse res, Principal who) {
        String name = req.path().pathParameters().get("move");
        Move move = java.util.Arrays.stream(Move.values()).filter(m -> ServiceFields.lower(m).equals(name))
                .findFirst().orElseThrow(() -> AdminErrors.of(404, "not_found", "no subscription action '"
                        + name + "' (expected one of approve, reject, suspend, resume, revoke, cancel)"));
        StoredSubscription before = find(req.path().pathParameters().get("id"), who);
        Fields f = new Fields(Json.bodyOrEmpty(req), MOVE_FIELDS);
        String comment = f.text("comment", false, "(?s).{0,1000}", "text of at most 1000 characters");
        f.check();
        if (move.byServiceTeam && !who.canManage(serviceTeam(before))) {
            throw AdminErrors.of(403, "forbidden", "to " + name + " a subscription needs the owner or admin role "
                    + "in the service's team");
        }
        if (!move.byServiceTeam && !who.canManage(before.appTeamId()) && !who.userId().equals(before.appliedBy())) {
            throw AdminErrors.of(403, "forbidden", "to cancel a subscription needs the owner or admin role in the "
                    + "app's team, or to be the applicant");
        }
        if (!move.from.contains(before.status())) {
            throw AdminErrors.of(409, "invalid_transition", "subscription " + before.id() + " is "
                    + ServiceFields.lower(before.status()) + "; " + name + " applies to "
                    + move.from.stream().map(ServiceFields::lower).sorted().toList());
        }
        StoredSubscription after = before.moved(move.to, who.userId(), comment, context.clock().instant());
        subscriptions.update(before, after);
        if (!after.live()) {
            liveSlots.release(after.appId(), after.serviceId(), after.id());
        }
        subscriptions.awaitEverywhere(after.id());
        audit(who, "subscription." + name, before, after);
        Json.send(res, 200, after);
    }

    private void list(ServerRequest req, ServerResponse res, Principal who) {
        var q = req.query();
        Predicate<StoredSubscription> filter = s -> visible(s, who);
        filter = filter.and(eq(q.first("appId").orElse(null), StoredSubscription::appId));
        filter = filter.and(eq(q.first("serviceId").orElse(null), StoredSubscription::serviceId));
        String team = q.first("teamId").orElse(null);
        if (team != null) {
            filter = filter.and(s -> team.equals(s.appTeamId()) || team.equals(serviceTeam(s)));
        }
        String status = q.first("status").orElse(null);
        if (status != null) {
            filter = filter.and(s -> ServiceFields.lower(s.status()).equalsIgnoreCase(status));
        }
        Json.send(res, 200, Map.of("data", subscriptions.all().stream().filter(filter)
                .sorted(Comparator.comparing(StoredSubscription::updatedAt).reversed()).toList()));
    }

    /** {@code GET /admin/teams/{id}/approvals}: pending applications for the team's services, oldest first. */
    private void inbox(ServerRequest req, ServerResponse res, Principal who) {
        String teamId = req.path().pathParameters().get("id");
        if (!who.canSee(teamId) || context.store().entities(Caches.TEAMS, dev.keyway.kernel.store.StoredTeam.class,
                dev.keyway.kernel.store.StoredTeam::id).get(teamId).isEmpty()) {
            throw AdminErrors.notFound("team", teamId);
        }
        Json.send(res, 200, Map.of("data", subscriptions.all().stream()
                .filter(s -> teamId.equals(serviceTeam(s)) && s.status() == Status.PENDING)
                .sorted(Comparator.comparing(StoredSubscription::createdAt)).toList()));
    }

    private StoredSubscription find(String id, Principal who) {
        return subscriptions.get(id).filter(s -> visible(s, who))
                .orElseThrow(() -> AdminErrors.notFound("subscription", id));
    }

    private boolean visible(StoredSubscription s, Principal who) {
        return who.canSee(s.appTeamId()) || who.canSee(serviceTeam(s));
    }

    /** The team that owns the service now (a service can change owner): it decides on the subscription. */
    private String serviceTeam(StoredSubscription s) {
        Optional<Service> service = services.get(s.serviceId());
        return service.isPresent() ? service.get().teamId() : s.serviceTeamId();
    }

    /**
     * Whether team {@code teamId} may find and apply for {@code s}: public services, its own team's, and
     * system-level services (no owning team: the platform's, offered to every team).
     */
    static boolean visibleTo(Service s, String teamId) {
        return s.visibility() == Service.Visibility.PUBLIC || s.teamId() == null || Objects.equals(s.teamId(), teamId);
    }

    private static Predicate<StoredSubscription> eq(String wanted, java.util.function.Function<StoredSubscription,
            String> field) {
        return s -> wanted == null || wanted.equals(field.apply(s));
    }

    /** One entry per team involved, so each side finds it in its own audit log. */
    private void audit(Principal who, String action, StoredSubscription before, StoredSubscription after) {
        String serviceTeam = serviceTeam(after);
        context.audit(who, action, "subscription", after.id(), serviceTeam, before, after);
        if (!Objects.equals(after.appTeamId(), serviceTeam)) {
            context.audit(who, action, "subscription", after.id(), after.appTeamId(), before, after);
        }
    }
}
