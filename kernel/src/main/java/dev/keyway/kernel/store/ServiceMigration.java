package dev.keyway.kernel.store;

import java.util.logging.Logger;

import javax.cache.Cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;

/**
 * Rewrites services stored before versions existed ({@code pathPrefix} and {@code upstreams} at the top level) into
 * the current shape: one published version {@code v1} with those settings, automatic approval, team visibility.
 * They keep serving at the same path; their callers' apps now need a subscription (one call each, approved at
 * once). Runs at start-up before any snapshot reads the cache; compare-and-set, so nodes starting together agree.
 */
final class ServiceMigration {
    private static final Logger LOG = Logger.getLogger(ServiceMigration.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ServiceMigration() {
    }

    /** Migrates every old-shape service in {@code services}; returns how many it rewrote. */
    static int run(IgniteCache<String, String> services) {
        int migrated = 0;
        try (var cursor = services.query(new ScanQuery<String, String>())) {
            for (Cache.Entry<String, String> e : cursor) {
                String next = migrate(e.getValue());
                if (next != null && services.replace(e.getKey(), e.getValue(), next)) {
                    migrated++;
                }
            }
        }
        if (migrated > 0) {
            int n = migrated;
            LOG.warning(() -> "store: migrated " + n + " service(s) to the versioned shape (one published version "
                    + "v1, approval auto); their callers' apps need a subscription now (POST /admin/subscriptions)");
        }
        return migrated;
    }

    /** The value in the current shape, or null when it needs no change (or is not readable JSON). */
    static String migrate(String json) {
        JsonNode old;
        try {
            old = MAPPER.readTree(json);
        } catch (Exception e) {
            return null;
        }
        if (!(old instanceof ObjectNode o) || o.has("versions") || !o.has("pathPrefix")) {
            return null;
        }
        ObjectNode version = MAPPER.createObjectNode().put("version", "v1");
        for (String f : new String[]{"pathPrefix", "upstreams", "connectTimeoutMs", "readTimeoutMs", "retries"}) {
            if (o.has(f)) {
                version.set(f, o.get(f));
            }
        }
        version.put("lifecycle", "PUBLISHED");
        ObjectNode service = MAPPER.createObjectNode();
        for (String f : new String[]{"id", "teamId", "name", "keyQueryParam"}) {
            if (o.has(f)) {
                service.set(f, o.get(f));
            }
        }
        service.put("kind", "REST").put("visibility", "TEAM").put("approval", "AUTO");
        ArrayNode versions = service.putArray("versions");
        versions.add(version);
        return service.toString();
    }
}
