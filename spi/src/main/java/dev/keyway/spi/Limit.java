package dev.keyway.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit: at most {@code max} of a metric per window for a subject. Several limits can apply to one request; the
 * tightest wins and is named when it refuses.
 *
 * <p>Who it counts for:
 * <ul>
 *   <li>{@code KEY}, {@code USER}, {@code APP}, {@code TEAM}: that subject ({@code subjectId}), across the services
 *       the limit covers ({@code serviceId}, or every service when null);</li>
 *   <li>{@code SERVICE}: every caller of the service together ({@code subjectId} is the service id);</li>
 *   <li>{@code APP} with {@code subjectId} {@code *} and a {@code serviceId}: each app on its own — a service's
 *       default plan (service × app);</li>
 *   <li>{@code SUBSCRIPTION}: one app's subscription ({@code subjectId} is its id), overriding the service's
 *       default plan of the same metric and window for that app.</li>
 * </ul>
 *
 * @param id        limit id
 * @param subject   what it counts for
 * @param subjectId the subject's id, or {@code *} for the per-app default of a service
 * @param serviceId the service it covers, or null for every service
 * @param metric    what it counts
 * @param window    the fixed window (aligned to the epoch); ignored for {@link Metric#CONCURRENT}
 * @param max       the most allowed per window (requests, tokens, in-flight requests, or millionths of a USD)
 * @param mode      counted per node or across the cluster
 * @param soft      a soft limit never refuses: crossing {@code alertAt} percentages of it is audit-logged and counted
 * @param alertAt   percentages of {@code max} whose crossing is reported (soft and hard limits), possibly empty
 * @param onStoreDown what a cluster-mode count does when the cluster store cannot be reached
 */
public record Limit(String id, Subject subject, String subjectId, String serviceId, Metric metric, Duration window,
                    long max, Mode mode, boolean soft, java.util.List<Integer> alertAt, OnStoreDown onStoreDown) {

    public Limit {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(subjectId, "subjectId");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(window, "window");
        mode = mode == null ? Mode.LOCAL : mode;
        alertAt = alertAt == null ? java.util.List.of() : java.util.List.copyOf(alertAt);
        onStoreDown = onStoreDown == null ? (metric == Metric.COST || metric == Metric.TOKENS ? OnStoreDown.DENY
                : OnStoreDown.LOCAL) : onStoreDown;
    }

    /** A hard limit with the defaults: no alerts; budgets fail closed, rates count locally when the store is down. */
    public Limit(String id, Subject subject, String subjectId, String serviceId, Metric metric, Duration window,
                 long max, Mode mode) {
        this(id, subject, subjectId, serviceId, metric, window, max, mode, false, null, null);
    }

    /** What a cluster-mode count does when the cluster store cannot be reached. */
    public enum OnStoreDown {
        /** Count on this node alone (each node then allows the whole limit): the default for rates. */
        LOCAL,
        /** Refuse the call: the default for budgets and token quotas. */
        DENY
    }

    /** What a limit counts for. */
    public enum Subject { KEY, USER, APP, TEAM, SERVICE, SUBSCRIPTION }

    /** What a limit counts. */
    public enum Metric {
        /** Requests per window. */
        REQUESTS,
        /** AI tokens (prompt + completion) per window. */
        TOKENS,
        /** Requests in flight at once. */
        CONCURRENT,
        /** AI cost per window, in millionths of a USD. */
        COST
    }

    /** Where a limit is counted. */
    public enum Mode {
        /** Each node counts alone: a limit of N is N per node. */
        LOCAL,
        /** One count across every node of the cluster. */
        CLUSTER
    }
}
