package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredSubscription;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * CRUD for services: {@code /admin/services}, and adding versions. Validation errors are 400 with the failing
 * field names; lifecycle moves and OpenAPI documents are in {@link VersionRoutes}.
 */
final class ServiceRoutes {
    private final AdminContext context;
    private final EntityCache<Service> services;
    private final EntityCache<StoredSubscription> subscriptions;

    ServiceRoutes(AdminContext context) {
        this.context = context;
        this.services = context.store().entities(Caches.SERVICES, Service.class, Service::id);
        this.subscriptions = context.store().entities(Caches.SUBSCRIPTIONS, StoredSubscription.class,
                StoredSubscription::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/services", guard.wrap(this::create))
                .get("/admin/services", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data", list(who)))))
                .get("/admin/services/{id}", guard.wrap((req, res, who) -> Json.send(res, 200, find(id(req), who))))
                .put("/admin/services/{id}", guard.wrap(this::update))
                .delete("/admin/services/{id}", guard.wrap(this::delete))
                .post("/admin/services/{id}/versions", guard.wrap(this::addVersion));
    }

    private List<Service> list(Principal who) {
        return services.all().stream().filter(s -> who.canSee(s.teamId()))
                .sorted(Comparator.comparing(Service::name)).toList();
    }

    private void create(ServerRequest req, ServerResponse res, Principal who) {
        Service service = ServiceFields.parse(Json.body(req), Ids.next("svc"), null);
        requireManage(who, service.teamId());
        synchronized (services) {
            checkUnique(service, null, who);
            services.put(service);
        }
        services.awaitEverywhere(service.id());
        context.audit(who, "service.create", "service", service.id(), service.teamId(), null, service);
        Json.send(res, 201, service);
    }

    private void update(ServerRequest req, ServerResponse res, Principal who) {
        String id = id(req);
        Service before = find(id, who);
        requireManage(who, before.teamId());
        ObjectNode body = Json.body(req);
        if (!body.has("teamId")) {
            // Leaving teamId out keeps the owner; moving a service to another team (or to none) is explicit.
            body.put("teamId", before.teamId());
        }
        Service service = ServiceFields.parse(body, id, before);
        requireManage(who, service.teamId());
        for (ServiceVersion gone : before.versions()) {
            if (service.version(gone.version()).isEmpty() && gone.lifecycle() != ServiceVersion.Lifecycle.DRAFT) {
                // Retired versions stay: they answer 410 naming their successor, and their name is never reused.
                throw AdminErrors.of(409, "conflict", "version " + gone.version() + " is "
                        + ServiceFields.lower(gone.lifecycle()) + "; only draft versions can be removed"
                        + (gone.lifecycle().serves() ? " (retire it: callers then get 410 naming the successor)" : ""));
            }
        }
        save(before, service, who, "service.update");
        Json.send(res, 200, service);
    }

    /** {@code POST /admin/services/{id}/versions}: a new version beside the others (draft unless said). */
    private void addVersion(ServerRequest req, ServerResponse res, Principal who) {
        Service before = find(id(req), who);
        requireManage(who, before.teamId());
        ObjectNode body = Json.body(req);
        Fields f = new Fields(body, ServiceFields.VERSION_FIELDS);
        ServiceVersion version = ServiceFields.version(f, null, null, before.kind());
        f.check();
        if (before.version(version.version()).isPresent()) {
            throw AdminErrors.of(409, "conflict", "service '" + before.name() + "' already has version "
                    + version.version());
        }
        List<ServiceVersion> versions = new ArrayList<>(before.versions());
        versions.add(version);
        Service after = withVersions(before, versions);
        save(before, after, who, "service.version.create");
        Json.send(res, 201, after);
    }

    /** Stores a change made from {@code before}: a concurrent change in between answers 409. */
    void save(Service before, Service after, Principal who, String action) {
        synchronized (services) {
            checkUnique(after, before, who);
            services.update(before, after);
        }
        services.awaitEverywhere(after.id());
        context.audit(who, action, "service", after.id(), after.teamId(), before, after);
    }

    static Service withVersions(Service s, List<ServiceVersion> versions) {
        return new Service(s.id(), s.teamId(), s.name(), s.kind(), s.description(), s.tags(), s.visibility(),
                s.approval(), s.keyQueryParam(), versions);
    }

    private void delete(ServerRequest req, ServerResponse res, Principal who) {
        String id = id(req);
        Service before = find(id, who);
        requireManage(who, before.teamId());
        // Under the lock applications take, so none lands between the check and the removal (on this node).
        synchronized (subscriptions) {
            long live = subscriptions.all().stream().filter(s -> s.serviceId().equals(id) && s.live()).count();
            if (live > 0) {
                throw AdminErrors.of(409, "conflict", "service '" + before.name() + "' has " + live + " live "
                        + "subscription(s); revoke them (POST /admin/subscriptions/{id}/revoke) before deleting it");
            }
            services.remove(id);
        }
        VersionRoutes.removeOpenApi(context.store().meta(), id);
        services.awaitEverywhere(id);
        context.audit(who, "service.delete", "service", id, before.teamId(), before, null);
        res.status(204).send();
    }

    /**
     * The service if the caller finds it: its own team's always; another team's when public (or system-level) and
     * serving at least one version, as the catalog shows it. Else 404, like a service that does not exist.
     */
    Service findInCatalog(String id, Principal who) {
        return services.get(id).filter(s -> findable(s, who))
                .orElseThrow(() -> AdminErrors.notFound("service", id));
    }

    static boolean findable(Service s, Principal who) {
        return who.canSee(s.teamId()) || ((s.teamId() == null || s.visibility() == Service.Visibility.PUBLIC)
                && s.versions().stream().anyMatch(v -> v.lifecycle().serves()));
    }

    /** The service, or 404 when it does not exist or belongs to a team the caller cannot see. */
    Service find(String id, Principal who) {
        return services.get(id).filter(s -> who.canSee(s.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("service", id));
    }

    void requireManage(Principal who, String teamId) {
        if (teamId != null && !who.canSee(teamId)) {
            // Another team's id answers like one that does not exist.
            throw AdminErrors.notFound("team", teamId);
        }
        if (teamId != null && context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id)
                .get(teamId).isEmpty()) {
            throw AdminErrors.notFound("team", teamId);
        }
        if (!who.canManage(teamId)) {
            throw AdminErrors.of(403, "forbidden", teamId == null
                    ? "services without a team need a system admin"
                    : "changing team " + teamId + "'s services needs its owner or admin role");
        }
    }

    /**
     * Names and prefixes are unique across every version of every service. A team may not take a prefix above or
     * below another team's (longest-prefix routing would let it capture that team's traffic) — only a system admin
     * may. Conflicts with services the caller cannot see are reported without naming them.
     */
    private void checkUnique(Service candidate, Service before, Principal who) {
        java.util.Set<String> own = new java.util.HashSet<>();
        java.util.Set<String> ownModels = new java.util.HashSet<>();
        for (ServiceVersion v : candidate.versions()) {
            for (String m : v.models()) {
                if (!ownModels.add(m)) {
                    throw AdminErrors.of(409, "conflict", "model '" + m + "' is granted by another version of this "
                            + "service");
                }
            }
            if (v.pathPrefix() != null && !own.add(v.pathPrefix())) {
                throw AdminErrors.of(409, "conflict", "path prefix " + v.pathPrefix() + " is used by another "
                        + "version of this service");
            }
        }
        for (Service s : services.all()) {
            if (s.id().equals(candidate.id())) {
                continue;
            }
            String other = who.canSee(s.teamId()) ? " by service '" + s.name() + "' (" + s.id() + ")"
                    : " by a service of another team";
            if (s.name().equalsIgnoreCase(candidate.name())) {
                throw AdminErrors.of(409, "conflict", "the name '" + candidate.name() + "' is taken" + other);
            }
            for (ServiceVersion theirs : s.versions()) {
                for (ServiceVersion mine : candidate.versions()) {
                    for (String m : mine.models()) {
                        if (theirs.models().contains(m)) {
                            throw AdminErrors.of(409, "conflict", "model '" + m + "' is granted" + other
                                    + " (a model name routes to one AI service; use an alias)");
                        }
                    }
                    if (theirs.pathPrefix() == null || mine.pathPrefix() == null) {
                        continue;
                    }
                    checkPrefix(theirs.pathPrefix(), mine.pathPrefix(), s.teamId(), candidate.teamId(), other,
                            prefixChanged(before, mine), who);
                }
            }
        }
        if (!who.systemAdmin()) {
            for (ServiceVersion v : candidate.versions()) {
                for (String upstream : v.upstreams()) {
                    // Upstreams a system admin already set are not re-judged when a team admin edits other fields.
                    if (!hadUpstream(before, upstream) && Hosts.isLocal(URI.create(upstream).getHost())) {
                        throw AdminErrors.invalid(Map.of("upstreams", upstream + " is (or resolves to) a loopback "
                                + "or link-local address, or does not resolve; only a system admin may point a "
                                + "service at the gateway's own host"));
                    }
                }
            }
        }
    }

    private static void checkPrefix(String theirs, String mine, String theirTeam, String myTeam, String other,
                                    boolean changed, Principal who) {
        if (theirs.equals(mine)) {
            throw AdminErrors.of(409, "conflict", "path prefix " + mine + " is used" + other);
        }
        boolean nested = nests(theirs, mine) || nests(mine, theirs);
        if (nested && changed && !who.systemAdmin() && !Objects.equals(theirTeam, myTeam)) {
            throw AdminErrors.of(409, "conflict", "path prefix " + mine + " overlaps one used" + other
                    + "; only a system admin may nest prefixes across teams");
        }
    }

    private static boolean prefixChanged(Service before, ServiceVersion mine) {
        return before == null
                || before.versions().stream().noneMatch(v -> Objects.equals(v.pathPrefix(), mine.pathPrefix()));
    }

    private static boolean hadUpstream(Service before, String upstream) {
        return before != null && before.versions().stream().anyMatch(v -> v.upstreams().contains(upstream));
    }

    /** Whether {@code outer} is a proper path prefix of {@code inner} on segment boundaries. */
    private static boolean nests(String outer, String inner) {
        return outer.equals("/") ? !inner.equals("/") : inner.startsWith(outer + "/");
    }

    static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }
}
