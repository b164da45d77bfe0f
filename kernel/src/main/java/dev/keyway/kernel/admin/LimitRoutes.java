package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredLimit;
import dev.keyway.kernel.store.StoredSubscription;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.spi.Limit;
import dev.keyway.spi.Service;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Limits ({@code /admin/limits}): stored in the store, in force on every node's next request (the write waits
 * for every node's snapshot). Who may set one follows what it limits: a service's team for limits on its
 * services (its default per-app plan, subscriptions to it, the service as a whole), a team's owners and admins for
 * its own team, apps and keys; system admins for users and everything else.
 */
final class LimitRoutes {
    private static final Set<String> FIELDS = Set.of("subject", "subjectId", "serviceId", "metric", "window", "max",
            "mode", "soft", "alertAt", "onStoreDown");

    private final AdminContext context;
    private final EntityCache<StoredLimit> limits;

    LimitRoutes(AdminContext context) {
        this.context = context;
        this.limits = context.store().entities(Caches.LIMITS, StoredLimit.class, StoredLimit::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/limits", guard.wrap((req, res, who) -> save(req, res, who, null)))
                .get("/admin/limits", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data",
                        limits.all().stream().filter(l -> who.canSee(l.teamId()))
                                .sorted(Comparator.comparing(StoredLimit::id)).map(StoredLimit::limit).toList()))))
                .get("/admin/limits/{id}", guard.wrap((req, res, who) -> Json.send(res, 200,
                        find(id(req), who).limit())))
                .put("/admin/limits/{id}", guard.wrap((req, res, who) -> save(req, res, who, find(id(req), who))))
                .delete("/admin/limits/{id}", guard.wrap(this::delete));
    }

    private void save(ServerRequest req, ServerResponse res, Principal who, StoredLimit before) {
        Fields f = new Fields(Json.body(req), FIELDS);
        Limit.Subject subject = f.choice("subject", Limit.Subject.class, true);
        String subjectId = f.text("subjectId", true, "\\*|[A-Za-z0-9._-]{1,128}", "the subject's id (or * for the "
                + "per-app default of a service)");
        String serviceId = f.text("serviceId", false, null, "a service id");
        Limit.Metric metric = f.choice("metric", Limit.Metric.class, true);
        Duration window = window(f);
        long max = 0;
        var maxNode = f.node("max");
        if (maxNode == null || !maxNode.canConvertToLong() || !maxNode.isIntegralNumber() || maxNode.asLong() < 0) {
            f.error("max", "expected a whole number ≥ 0 (requests, tokens, in-flight requests or millionths of a USD)");
        } else {
            max = maxNode.asLong();
        }
        Limit.Mode mode = f.choice("mode", Limit.Mode.class, false);
        Limit.OnStoreDown onStoreDown = f.choice("onStoreDown", Limit.OnStoreDown.class, false);
        var softNode = f.node("soft");
        boolean soft = softNode != null && softNode.asBoolean(false);
        if (softNode != null && !softNode.isBoolean() && !softNode.isNull()) {
            f.error("soft", "expected true or false");
        }
        java.util.List<Integer> alertAt = new java.util.ArrayList<>();
        var alerts = f.node("alertAt");
        if (alerts != null && !alerts.isNull()) {
            if (!alerts.isArray()) {
                f.error("alertAt", "expected an array of percentages, e.g. [50, 80, 100]");
            } else {
                for (var p : alerts) {
                    if (!p.isInt() || p.asInt() < 1 || p.asInt() > 1000) {
                        f.error("alertAt", "expected percentages in 1..1000");
                        break;
                    }
                    alertAt.add(p.asInt());
                }
            }
        }
        f.check();
        if (soft && metric != Limit.Metric.COST && metric != Limit.Metric.TOKENS) {
            throw AdminErrors.invalid(Map.of("soft", "only cost and token budgets can be soft (alert only)"));
        }
        if (soft && alertAt.isEmpty()) {
            throw AdminErrors.invalid(Map.of("alertAt", "a soft budget only alerts: say at which percentages"));
        }
        if (mode == Limit.Mode.CLUSTER && metric == Limit.Metric.CONCURRENT) {
            throw AdminErrors.invalid(Map.of("mode", "in-flight limits are counted per node (local): a slot leased "
                    + "from the cluster would not come back to it when the call ends"));
        }
        if (before != null) {
            manage(who, before.teamId());
        }
        if ("*".equals(subjectId) && (subject != Limit.Subject.APP || serviceId == null)) {
            throw AdminErrors.invalid(Map.of("subjectId", "* (each app on its own) goes with subject app and a "
                    + "serviceId: a service's default plan"));
        }
        if (subject == Limit.Subject.SERVICE) {
            serviceId = subjectId;
        }
        if (subject == Limit.Subject.SUBSCRIPTION) {
            String sid = subjectId;
            StoredSubscription s = context.store().entities(Caches.SUBSCRIPTIONS, StoredSubscription.class,
                    StoredSubscription::id).get(sid)
                    .filter(x -> who.canSee(x.serviceTeamId()) || who.canSee(x.appTeamId()))
                    .orElseThrow(() -> AdminErrors.notFound("subscription", sid));
            serviceId = s.serviceId();
        }
        String team = owner(subject, subjectId, serviceId, who);
        String id = before == null ? Ids.next("lim") : before.id();
        StoredLimit after = new StoredLimit(new Limit(id, subject, subjectId, serviceId, metric, window, max, mode,
                soft, alertAt, onStoreDown), team);
        if (before == null) {
            limits.put(after);
        } else {
            limits.update(before, after);
        }
        limits.awaitEverywhere(id);
        context.audit(who, before == null ? "limit.create" : "limit.update", "limit", id, team,
                before == null ? null : before.limit(), after.limit());
        Json.send(res, before == null ? 201 : 200, after.limit());
    }

    /** The team a limit belongs to, after checking the caller may set it; others' ids answer 404. */
    private String owner(Limit.Subject subject, String subjectId, String serviceId, Principal who) {
        if (serviceId != null) {
            Service service = context.store().entities(Caches.SERVICES, Service.class, Service::id).get(serviceId)
                    .filter(s -> who.canSee(s.teamId()))
                    .orElseThrow(() -> AdminErrors.notFound("service", serviceId));
            return manage(who, service.teamId());
        }
        return switch (subject) {
            case TEAM -> manage(who, visible(context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id)
                    .get(subjectId).map(StoredTeam::id), "team", subjectId, who));
            case APP -> manage(who, visible(context.store().entities(Caches.APPS, StoredApp.class, StoredApp::id)
                    .get(subjectId).map(StoredApp::teamId), "app", subjectId, who));
            case KEY -> manage(who, visible(context.store().entities(Caches.KEYS, StoredKey.class, StoredKey::id)
                    .get(subjectId).map(StoredKey::teamId), "key", subjectId, who));
            case USER -> {
                who.requireSystemAdmin();
                yield null;
            }
            default -> throw new IllegalStateException("a " + subject + " limit has a service");
        };
    }

    private static String visible(Optional<String> team, String what, String id, Principal who) {
        return team.filter(who::canSee).orElseThrow(() -> AdminErrors.notFound(what, id));
    }

    private static String manage(Principal who, String teamId) {
        if (!who.canManage(teamId)) {
            throw AdminErrors.of(403, "forbidden", teamId == null ? "system-level limits need a system admin"
                    : "limits of team " + teamId + " need its owner or admin role");
        }
        return teamId;
    }

    private static Duration window(Fields f) {
        boolean concurrent = f.node("metric") != null && "concurrent".equalsIgnoreCase(f.node("metric").asText());
        String text = f.text("window", !concurrent, null, "an ISO-8601 duration such as PT1S, PT1M, PT1H, P1D");
        if (text == null) {
            return concurrent ? Duration.ofSeconds(1) : Duration.ZERO;
        }
        try {
            Duration d = Duration.parse(text);
            if (d.toMillis() < 1000 || d.compareTo(Duration.ofDays(31)) > 0) {
                f.error("window", "expected between one second (PT1S) and 31 days (P31D)");
            }
            return d;
        } catch (DateTimeParseException e) {
            f.error("window", "expected an ISO-8601 duration such as PT1S, PT1M, PT1H, P1D");
            return Duration.ZERO;
        }
    }

    private void delete(ServerRequest req, ServerResponse res, Principal who) {
        StoredLimit before = find(id(req), who);
        manage(who, before.teamId());
        limits.remove(before.id());
        limits.awaitEverywhere(before.id());
        context.audit(who, "limit.delete", "limit", before.id(), before.teamId(), before.limit(), null);
        res.status(204).send();
    }

    private StoredLimit find(String id, Principal who) {
        return limits.get(id).filter(l -> who.canSee(l.teamId())).orElseThrow(() -> AdminErrors.notFound("limit", id));
    }

    private static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }
}
