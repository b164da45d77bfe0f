package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.MetaStore;
import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredSubscription;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /admin/catalog}: the services a caller's teams may find (public ones, and their own teams'), with at
 * least one published or deprecated version; for each, its serving versions and the caller's apps' subscription
 * status. {@code ?q=} searches name and description, {@code ?tag=} filters by tag, {@code ?teamId=} picks whose
 * apps to show (a system admin who belongs to no team names one; members default to all their teams).
 */
final class CatalogRoutes {
    /** Which of two subscriptions of one app to one service is current: a live one, else the latest change. */
    private static final Comparator<StoredSubscription> CURRENT = Comparator
            .comparing(StoredSubscription::live).thenComparing(StoredSubscription::updatedAt);

    private final EntityCache<Service> services;
    private final EntityCache<StoredApp> apps;
    private final EntityCache<StoredTeam> teams;
    private final EntityCache<StoredSubscription> subscriptions;
    private final MetaStore meta;

    CatalogRoutes(AdminContext context) {
        this.services = context.store().entities(Caches.SERVICES, Service.class, Service::id);
        this.apps = context.store().entities(Caches.APPS, StoredApp.class, StoredApp::id);
        this.teams = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
        this.subscriptions = context.store().entities(Caches.SUBSCRIPTIONS, StoredSubscription.class,
                StoredSubscription::id);
        this.meta = context.store().meta();
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.get("/admin/catalog", guard.wrap(this::catalog));
    }

    /** One catalog entry. */
    record Entry(String id, String name, String teamId, String teamName, Service.Kind kind, String description,
                 List<String> tags, Service.Visibility visibility, Service.Approval approval, boolean openapi,
                 List<VersionView> versions, List<AppStatus> subscriptions) {
    }

    /** A serving version as the catalog shows it. */
    record VersionView(String version, String pathPrefix, ServiceVersion.Lifecycle lifecycle, String successor,
                       Instant sunsetAt, List<String> models, String promptModel) {
    }

    /** One of the caller's apps and where its subscription stands ("none" when it has none). */
    record AppStatus(String appId, String appName, String teamId, String status, String subscriptionId) {
    }

    private void catalog(ServerRequest req, ServerResponse res, Principal who) {
        String q = req.query().first("q").map(s -> s.toLowerCase(Locale.ROOT)).orElse(null);
        String tag = req.query().first("tag").orElse(null);
        String asTeam = req.query().first("teamId").orElse(null);
        if (asTeam != null && !who.canSee(asTeam)) {
            throw AdminErrors.notFound("team", asTeam);
        }
        Set<String> myTeams = asTeam != null ? Set.of(asTeam) : who.teams().keySet();
        List<StoredApp> myApps = apps.all().stream().filter(a -> myTeams.contains(a.teamId()))
                .sorted(Comparator.comparing(StoredApp::name)).toList();
        // The current subscription per (app, service) of the caller's apps, in one pass over the subscriptions.
        Set<String> appIds = myApps.stream().map(StoredApp::id).collect(java.util.stream.Collectors.toSet());
        Map<String, StoredSubscription> current = new java.util.HashMap<>();
        for (StoredSubscription x : subscriptions.all()) {
            if (appIds.contains(x.appId())) {
                current.merge(x.appId() + "/" + x.serviceId(), x, (a, b) -> CURRENT.compare(a, b) >= 0 ? a : b);
            }
        }
        List<Entry> entries = services.all().stream()
                .filter(s -> s.versions().stream().anyMatch(v -> v.lifecycle().serves()))
                .filter(s -> ServiceRoutes.findable(s, who))
                .filter(s -> q == null || s.name().toLowerCase(Locale.ROOT).contains(q)
                        || (s.description() != null && s.description().toLowerCase(Locale.ROOT).contains(q)))
                .filter(s -> tag == null || s.tags().contains(tag))
                .sorted(Comparator.comparing(Service::name))
                .map(s -> entry(s, myApps.stream().filter(a -> SubscriptionRoutes.visibleTo(s, a.teamId())).toList(),
                        current))
                .toList();
        Json.send(res, 200, Map.of("data", entries));
    }

    private Entry entry(Service s, List<StoredApp> myApps, Map<String, StoredSubscription> current) {
        List<VersionView> versions = s.versions().stream().filter(v -> v.lifecycle().serves())
                .map(v -> new VersionView(v.version(), v.pathPrefix(), v.lifecycle(), v.successor(), v.sunsetAt(),
                        v.models(), v.prompt() == null ? null : v.prompt().model()))
                .toList();
        List<AppStatus> statuses = myApps.stream().map(a -> status(a, current.get(a.id() + "/" + s.id()))).toList();
        String teamName = s.teamId() == null ? null : teams.get(s.teamId()).map(StoredTeam::name).orElse(null);
        return new Entry(s.id(), s.name(), s.teamId(), teamName, s.kind(), s.description(), s.tags(),
                s.visibility(), s.approval(), VersionRoutes.hasOpenApi(meta, s.id()), versions, statuses);
    }

    private static AppStatus status(StoredApp app, StoredSubscription x) {
        return x == null ? new AppStatus(app.id(), app.name(), app.teamId(), "none", null)
                : new AppStatus(app.id(), app.name(), app.teamId(), ServiceFields.lower(x.status()), x.id());
    }
}
