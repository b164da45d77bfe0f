package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.keyway.kernel.record.CallRecord;
import dev.keyway.kernel.store.Caches;
import dev.keyway.spi.Service;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * {@code GET /admin/calls?keyId=&errorCode=&failed=true&from=&limit=}: recent call records, newest first, to find
 * every failure of one key. Members see calls of their teams' keys; calls without a key (e.g.
 * {@code invalid_api_key}) only system admins see. A scan: fine for troubleshooting, not for analytics.
 */
final class CallRoutes {
    private final IgniteCache<String, String> calls;
    private final dev.keyway.kernel.store.EntityCache<Service> services;
    private final ObjectReader reader = Json.MAPPER.readerFor(CallRecord.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    CallRoutes(AdminContext context) {
        this.calls = context.store().ignite().cache(Caches.CALLS);
        this.services = context.store().entities(Caches.SERVICES, Service.class, Service::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.get("/admin/calls", guard.wrap(this::query));
    }

    private void query(ServerRequest req, ServerResponse res, Principal who) {
        String keyId = req.query().first("keyId").orElse(null);
        String code = req.query().first("errorCode").orElse(null);
        String serviceId = req.query().first("serviceId").orElse(null);
        boolean failed = req.query().first("failed").map(Boolean::parseBoolean).orElse(false);
        Instant from = parseInstant(req.query().first("from").orElse(null));
        int limit = parseLimit(req.query().first("limit").orElse("100"));
        Set<String> teams = who.visibleTeams();
        // The newest `limit` matches only: memory stays bounded however many calls are stored.
        PriorityQueue<CallRecord> newest = new PriorityQueue<>(Comparator.comparingLong(CallRecord::startedAtMillis));
        try (var cursor = calls.query(new ScanQuery<String, String>())) {
            for (javax.cache.Cache.Entry<String, String> e : cursor) {
                CallRecord r = read(e.getValue());
                if (r != null && visible(r, teams)
                        && (keyId == null || keyId.equals(r.keyId()))
                        && (serviceId == null || serviceId.equals(r.serviceId()))
                        && (code == null || code.equals(r.errorCode()))
                        && (!failed || r.status() >= 400)
                        && (from == null || r.startedAtMillis() >= from.toEpochMilli())) {
                    newest.add(r);
                    if (newest.size() > limit) {
                        newest.poll();
                    }
                }
            }
        }
        List<CallRecord> out = new ArrayList<>(newest);
        out.sort(Comparator.comparingLong(CallRecord::startedAtMillis).reversed());
        Json.send(res, 200, Map.of("data", out));
    }

    /** A call is visible to the caller's team (its key's team) and to the team owning the service it called. */
    private boolean visible(CallRecord r, Set<String> teams) {
        return teams == null || (r.teamId() != null && teams.contains(r.teamId()))
                || (r.serviceId() != null && services.get(r.serviceId()).map(Service::teamId)
                .filter(teams::contains).isPresent());
    }

    private CallRecord read(String json) {
        try {
            return reader.readValue(json);
        } catch (IOException e) {
            return null;
        }
    }

    private static Instant parseInstant(String v) {
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw AdminErrors.invalid(Map.of("from", "expected an ISO-8601 instant like 2026-01-31T12:00:00Z"));
        }
    }

    private static int parseLimit(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 10_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw AdminErrors.invalid(Map.of("limit", "expected an integer in 1..10000"));
    }
}
