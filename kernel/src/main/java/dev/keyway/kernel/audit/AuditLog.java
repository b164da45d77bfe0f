package dev.keyway.kernel.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.IgniteStore;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The admin audit log: every admin mutation is appended with actor, time, action, target and the object before
 * and after, with secret-looking fields redacted. Append-only: the API offers no way to change or delete an
 * entry. Stored in the persistent {@code keyway-audit} cache (one backup).
 */
public final class AuditLog {
    private static final Pattern SECRET_FIELD = Pattern.compile(
            "(?i).*(password|secret|hash|token|pepper|credential|apikey|api_key).*");
    private static final String REDACTED = "[redacted]";

    private final IgniteCache<String, String> cache;
    private final ObjectMapper json;
    private final Clock clock;

    public AuditLog(IgniteStore store, ObjectMapper json, Clock clock) {
        this.cache = store.ignite().cache(Caches.AUDIT);
        this.json = json.copy().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        this.clock = clock;
    }

    /**
     * Appends one entry.
     *
     * @param before the object before the change (any JSON-serialisable value), or null
     * @param after  the object after the change, or null
     */
    public AuditEntry append(String actorId, String actorName, String action, String targetType, String targetId,
                             String teamId, Object before, Object after) {
        Instant at = clock.instant();
        String id = String.format("%013d-%08x", at.toEpochMilli(), ThreadLocalRandom.current().nextInt());
        AuditEntry entry = new AuditEntry(id, at, actorId, actorName, action, targetType, targetId, teamId,
                redact(before), redact(after));
        try {
            cache.put(id, json.writeValueAsString(entry));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entry;
    }

    /**
     * Entries matching every given filter, newest first.
     *
     * @param teams the teams whose entries the caller may see, or null for all (system admins)
     */
    public List<AuditEntry> query(Filter filter, Set<String> teams) {
        // Keep only the newest `limit` matches while scanning: memory stays bounded however large the log is.
        PriorityQueue<AuditEntry> newest = new PriorityQueue<>(Comparator.comparing(AuditEntry::id));
        try (var cursor = cache.query(new ScanQuery<String, String>())) {
            for (javax.cache.Cache.Entry<String, String> e : cursor) {
                AuditEntry entry = read(e.getValue());
                if (entry != null && filter.matches(entry)
                        && (teams == null || (entry.teamId() != null && teams.contains(entry.teamId())))) {
                    newest.add(entry);
                    if (newest.size() > filter.limit()) {
                        newest.poll();
                    }
                }
            }
        }
        List<AuditEntry> out = new ArrayList<>(newest);
        out.sort(Comparator.comparing(AuditEntry::id).reversed());
        return out;
    }

    private AuditEntry read(String value) {
        try {
            return json.readValue(value, AuditEntry.class);
        } catch (IOException e) {
            return null;
        }
    }

    private JsonNode redact(Object value) {
        if (value == null) {
            return null;
        }
        JsonNode node = json.valueToTree(value);
        scrub(node);
        return node;
    }

    private static void scrub(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<String> secret = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (SECRET_FIELD.matcher(f.getKey()).matches() && !f.getValue().isNull()) {
                    secret.add(f.getKey());
                } else {
                    scrub(f.getValue());
                }
            }
            secret.forEach(k -> object.set(k, TextNode.valueOf(REDACTED)));
        } else if (node != null && node.isArray()) {
            node.forEach(AuditLog::scrub);
        }
    }

    /**
     * What to select; null fields match everything.
     *
     * @param actorId  the acting user
     * @param targetId the object
     * @param action   the action, e.g. {@code key.rotate}; a trailing '*' matches a prefix ({@code key.*})
     * @param from     inclusive lower bound
     * @param to       exclusive upper bound
     * @param limit    the most entries returned
     */
    public record Filter(String actorId, String targetId, String action, Instant from, Instant to, int limit) {
        public Filter {
            if (limit < 1 || limit > 10_000) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: 1..10000)");
            }
        }

        boolean matches(AuditEntry e) {
            return (actorId == null || actorId.equals(e.actorId()))
                    && (targetId == null || targetId.equals(e.targetId()))
                    && (action == null || (action.endsWith("*") ? e.action().startsWith(action.substring(0,
                    action.length() - 1)) : action.equals(e.action())))
                    && (from == null || !e.at().isBefore(from))
                    && (to == null || e.at().isBefore(to));
        }
    }
}
