package dev.keyway.kernel.audit;

import dev.keyway.kernel.observe.Metrics;
import dev.keyway.spi.Limit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reports a limit's use crossing one of its {@code alertAt} percentages (a soft budget's whole point, and a
 * warning for hard ones): an audit-log entry by {@code system} in the limit's team, and the metric
 * {@code keyway_limit_alerts_total}. Each threshold is reported once per window and subject on a node.
 */
public final class LimitAlerts {
    private final AuditLog audit;
    private final Metrics metrics;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public LimitAlerts(AuditLog audit, Metrics metrics) {
        this.audit = audit;
        this.metrics = metrics;
    }

    /**
     * Reports the thresholds {@code count} has reached, of those not yet reported for this window.
     *
     * @param counter     the counter's key (limit and subject)
     * @param windowStart the window's start, epoch millis
     * @param teamId      the team whose audit log gets the entry, or null
     */
    public void check(Limit limit, String counter, long windowStart, long count, String teamId) {
        for (int percent : limit.alertAt()) {
            if (count * 100 >= (long) percent * limit.max() && reported.add(counter + "@" + windowStart + "#" + percent)) {
                metrics.inc("keyway_limit_alerts_total", "metric", limit.metric().name().toLowerCase(java.util.Locale.ROOT));
                Map<String, Object> what = new LinkedHashMap<>();
                what.put("limit", limit.id());
                what.put("counter", counter);
                what.put("percent", percent);
                what.put("used", count);
                what.put("max", limit.max());
                what.put("soft", limit.soft());
                audit.append("system", "system", "limit.alert", "limit", limit.id(), teamId, null, what);
            }
        }
        if (reported.size() > 100_000) {
            reported.clear(); // old windows' entries: a repeated alert is better than unbounded memory
        }
    }
}
