package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.store.MetaStore;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;
import dev.keyway.spi.ServiceVersion.Lifecycle;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Version lifecycle moves ({@code POST /admin/services/{id}/versions/{version}/lifecycle}) and the service's
 * OpenAPI document ({@code /admin/services/{id}/openapi}).
 *
 * <p>Moves: draft → published; published → deprecated or retired; deprecated → retired, back to published, or
 * deprecated again (to change successor or sunset).
 * Retired is final. A successor must be another published version of the same service. Every move is audit-logged
 * with the actor and comment.
 */
final class VersionRoutes {
    private static final Set<String> LIFECYCLE_FIELDS = Set.of("state", "successor", "sunsetAt", "comment");
    private static final Map<Lifecycle, Set<Lifecycle>> MOVES = Map.of(
            Lifecycle.DRAFT, Set.of(Lifecycle.PUBLISHED),
            Lifecycle.PUBLISHED, Set.of(Lifecycle.DEPRECATED, Lifecycle.RETIRED),
            Lifecycle.DEPRECATED, Set.of(Lifecycle.DEPRECATED, Lifecycle.RETIRED, Lifecycle.PUBLISHED),
            Lifecycle.RETIRED, Set.of());
    private static final String OPENAPI_KEY = "service-openapi/";

    private final AdminContext context;
    private final ServiceRoutes services;
    private final MetaStore meta;

    VersionRoutes(AdminContext context, ServiceRoutes services) {
        this.context = context;
        this.services = services;
        this.meta = context.store().meta();
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/services/{id}/versions/{version}/lifecycle", guard.wrap(this::move))
                .put("/admin/services/{id}/openapi", guard.wrap(this::putOpenApi))
                .get("/admin/services/{id}/openapi", guard.wrap(this::getOpenApi))
                .delete("/admin/services/{id}/openapi", guard.wrap(this::deleteOpenApi));
    }

    private void move(ServerRequest req, ServerResponse res, Principal who) {
        Service before = services.find(ServiceRoutes.id(req), who);
        services.requireManage(who, before.teamId());
        String name = req.path().pathParameters().get("version");
        ServiceVersion current = before.version(name).orElseThrow(() -> AdminErrors.notFound("version", name));
        ObjectNode body = Json.body(req);
        Fields f = new Fields(body, LIFECYCLE_FIELDS);
        Lifecycle next = f.choice("state", Lifecycle.class, true);
        String asked = f.text("successor", false, null, "the name of another version of this service");
        String sunsetText = f.text("sunsetAt", false, null, "an ISO-8601 instant such as 2027-01-31T00:00:00Z");
        String comment = f.text("comment", false, "(?s).{0,1000}", "text of at most 1000 characters");
        f.check();
        Instant now = context.clock().instant();
        // Deprecating again changes what the body names; what it leaves out stays (null clears it).
        boolean again = next == Lifecycle.DEPRECATED && current.lifecycle() == Lifecycle.DEPRECATED;
        String successor = again && !body.has("successor") ? current.successor() : asked;
        if (next == Lifecycle.RETIRED) {
            for (ServiceVersion v : before.versions()) {
                if (v.lifecycle().serves() && name.equals(v.successor())) {
                    throw AdminErrors.of(409, "conflict", "version " + v.version() + " names " + name + " as its "
                            + "successor; point it elsewhere (deprecate it again with another successor) first");
                }
            }
        }
        Instant sunset = again && !body.has("sunsetAt") ? current.sunsetAt() : sunset(sunsetText, next, now);
        if (!MOVES.get(current.lifecycle()).contains(next)) {
            throw AdminErrors.of(409, "invalid_transition", "version " + name + " is "
                    + ServiceFields.lower(current.lifecycle()) + "; it can move to "
                    + (MOVES.get(current.lifecycle()).isEmpty() ? "nothing (retired is final)"
                    : MOVES.get(current.lifecycle()).stream().map(ServiceFields::lower).sorted().toList()));
        }
        if (successor != null) {
            if (next != Lifecycle.DEPRECATED && next != Lifecycle.RETIRED) {
                throw AdminErrors.invalid(Map.of("successor", "only deprecated and retired versions name one"));
            }
            ServiceVersion target = before.version(successor).filter(v -> !v.version().equals(name))
                    .orElseThrow(() -> AdminErrors.invalid(Map.of("successor", "service '" + before.name()
                            + "' has no other version named '" + successor + "'")));
            if (target.lifecycle() != Lifecycle.PUBLISHED) {
                throw AdminErrors.invalid(Map.of("successor", "version " + successor + " is "
                        + ServiceFields.lower(target.lifecycle()) + "; a successor must be published"));
            }
        }
        ServiceVersion moved = switch (next) {
            case PUBLISHED -> current.withLifecycle(next, null, null, null);
            // Deprecating again updates successor and sunset; the deprecation date stays the first one.
            case DEPRECATED -> current.withLifecycle(next, successor, sunset,
                    current.deprecatedAt() != null ? current.deprecatedAt() : now);
            case RETIRED -> current.withLifecycle(next, successor != null ? successor : current.successor(), null,
                    current.deprecatedAt());
            case DRAFT -> throw new IllegalStateException("no move leads to draft");
        };
        List<ServiceVersion> versions = new ArrayList<>();
        for (ServiceVersion v : before.versions()) {
            versions.add(v.version().equals(name) ? moved : v);
        }
        Service after = ServiceRoutes.withVersions(before, versions);
        services.save(before, after, who, "service.version." + ServiceFields.lower(next));
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("version", name);
        change.put("from", ServiceFields.lower(current.lifecycle()));
        change.put("to", ServiceFields.lower(next));
        change.put("comment", comment);
        context.audit(who, "service.version.lifecycle", "service", after.id(), after.teamId(), null, change);
        Json.send(res, 200, after);
    }

    private static Instant sunset(String text, Lifecycle next, Instant now) {
        if (text == null) {
            return null;
        }
        if (next != Lifecycle.DEPRECATED) {
            throw AdminErrors.invalid(Map.of("sunsetAt", "only a deprecated version has a sunset"));
        }
        try {
            Instant at = Instant.parse(text);
            if (!at.isAfter(now)) {
                throw AdminErrors.invalid(Map.of("sunsetAt", "expected an instant in the future"));
            }
            return at;
        } catch (DateTimeParseException e) {
            throw AdminErrors.invalid(Map.of("sunsetAt", "expected an ISO-8601 instant such as 2027-01-31T00:00:00Z"));
        }
    }

    /**
     * Stores the document as sent: JSON (checked to be an object with an {@code openapi} or {@code swagger}
     * field) or YAML ({@code application/yaml}, checked to have a top-level {@code openapi:} line).
     */
    private void putOpenApi(ServerRequest req, ServerResponse res, Principal who) {
        Service service = services.find(ServiceRoutes.id(req), who);
        services.requireManage(who, service.teamId());
        String type = req.headers().contentType().map(t -> t.mediaType().text().toLowerCase(Locale.ROOT))
                .orElse("application/json");
        byte[] bytes = Json.raw(req);
        String text = new String(bytes, StandardCharsets.UTF_8);
        String stored;
        if (type.contains("yaml")) {
            if (!text.lines().anyMatch(l -> l.startsWith("openapi:") || l.startsWith("swagger:"))) {
                throw AdminErrors.invalid(Map.of("body", "expected an OpenAPI document with a top-level "
                        + "'openapi:' line"));
            }
            stored = "application/yaml\n" + text;
        } else if (type.equals("application/json")) {
            ObjectNode doc = Json.object(bytes);
            if (!doc.has("openapi") && !doc.has("swagger")) {
                throw AdminErrors.invalid(Map.of("body", "expected an OpenAPI document (a JSON object with an "
                        + "'openapi' field)"));
            }
            stored = "application/json\n" + text;
        } else {
            throw AdminErrors.of(415, "unsupported_media_type", "send the document as application/json or "
                    + "application/yaml");
        }
        meta.put(OPENAPI_KEY + service.id(), stored);
        context.audit(who, "service.openapi.put", "service", service.id(), service.teamId(), null,
                Map.of("contentType", stored.substring(0, stored.indexOf('\n')), "bytes", bytes.length));
        res.status(204).send();
    }

    /** Readable by whoever finds the service in the catalog (its team, and every team when it is public). */
    private void getOpenApi(ServerRequest req, ServerResponse res, Principal who) {
        Service service = services.findInCatalog(ServiceRoutes.id(req), who);
        String stored = meta.get(OPENAPI_KEY + service.id())
                .orElseThrow(() -> AdminErrors.notFound("OpenAPI document of service", service.id()));
        int nl = stored.indexOf('\n');
        res.status(200);
        res.header("Content-Type", stored.substring(0, nl));
        res.send(stored.substring(nl + 1).getBytes(StandardCharsets.UTF_8));
    }

    private void deleteOpenApi(ServerRequest req, ServerResponse res, Principal who) {
        Service service = services.find(ServiceRoutes.id(req), who);
        services.requireManage(who, service.teamId());
        meta.remove(OPENAPI_KEY + service.id());
        context.audit(who, "service.openapi.delete", "service", service.id(), service.teamId(), null, null);
        res.status(204).send();
    }

    static void removeOpenApi(MetaStore meta, String serviceId) {
        meta.remove(OPENAPI_KEY + serviceId);
    }

    /** Whether a service has an OpenAPI document (for the catalog). */
    static boolean hasOpenApi(MetaStore meta, String serviceId) {
        return meta.get(OPENAPI_KEY + serviceId).isPresent();
    }
}
