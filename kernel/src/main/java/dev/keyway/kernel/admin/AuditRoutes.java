package dev.keyway.kernel.admin;

import dev.keyway.kernel.audit.AuditLog;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /admin/audit?actor=&target=&action=&from=&to=&limit=}: the audit log, newest first. Team admins and
 * members see only their teams' entries. There is no route to change or delete an entry.
 */
final class AuditRoutes {
    private final AdminContext context;

    AuditRoutes(AdminContext context) {
        this.context = context;
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.get("/admin/audit", guard.wrap(this::query));
    }

    private void query(ServerRequest req, ServerResponse res, Principal who) {
        Map<String, String> errors = new LinkedHashMap<>();
        Instant from = instant(req, "from", errors);
        Instant to = instant(req, "to", errors);
        int limit = 100;
        Optional<String> l = param(req, "limit");
        if (l.isPresent()) {
            try {
                limit = Integer.parseInt(l.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 10_000) {
                errors.put("limit", "expected an integer in 1..10000");
            }
        }
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        var filter = new AuditLog.Filter(param(req, "actor").orElse(null), param(req, "target").orElse(null),
                param(req, "action").orElse(null), from, to, limit);
        Json.send(res, 200, Map.of("data", context.audit().query(filter, who.visibleTeams())));
    }

    private static Instant instant(ServerRequest req, String name, Map<String, String> errors) {
        Optional<String> v = param(req, name);
        if (v.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(v.get());
        } catch (DateTimeParseException e) {
            errors.put(name, "expected an ISO-8601 instant like 2026-01-31T12:00:00Z");
            return null;
        }
    }

    private static Optional<String> param(ServerRequest req, String name) {
        return req.query().first(name).asOptional().filter(s -> !s.isBlank());
    }
}
