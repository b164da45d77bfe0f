package dev.keyway.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One version of a {@link Service}: where callers reach it, where it forwards to, and where it is in its life.
 * Versions of one service run side by side under their own path prefixes.
 *
 * @param version          the version's name, e.g. {@code v1}
 * @param pathPrefix       the data-plane path prefix it is served under, e.g. {@code /orders/v1}; null for an AI
 *                         service's version, which is reached by model name on the unified {@code /v1} API
 * @param upstreams        base URLs, tried round-robin; empty for an AI service (its deployments say where)
 * @param connectTimeoutMs upstream connect timeout
 * @param readTimeoutMs    upstream response timeout (until the response head arrives)
 * @param retries          extra attempts for idempotent methods on connect failure
 * @param lifecycle        draft, published, deprecated or retired
 * @param successor        the version callers should move to (deprecated and retired versions), or null
 * @param sunsetAt         when a deprecated version stops serving (announced in the {@code Sunset} header), or null
 * @param deprecatedAt     when it was deprecated (the {@code Deprecation} header), or null
 * @param models           for an AI service: the model names (or aliases) this version grants to subscribed apps;
 *                         empty for a REST service
 * @param prompt           for a prompt API: the model and templates it serves under its path prefix; else null
 */
public record ServiceVersion(String version, String pathPrefix, List<String> upstreams, int connectTimeoutMs,
                             int readTimeoutMs, int retries, Lifecycle lifecycle, String successor, Instant sunsetAt,
                             Instant deprecatedAt, List<String> models, PromptTemplate prompt) {

    public ServiceVersion {
        Objects.requireNonNull(version, "version");
        upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
        models = models == null ? List.of() : List.copyOf(models);
        lifecycle = lifecycle == null ? Lifecycle.DRAFT : lifecycle;
        if (pathPrefix == null && models.isEmpty()) {
            throw new IllegalArgumentException("a version has a path prefix (REST) or models (AI)");
        }
    }

    /** A REST or AI version (no prompt). */
    public ServiceVersion(String version, String pathPrefix, List<String> upstreams, int connectTimeoutMs,
                          int readTimeoutMs, int retries, Lifecycle lifecycle, String successor, Instant sunsetAt,
                          Instant deprecatedAt, List<String> models) {
        this(version, pathPrefix, upstreams, connectTimeoutMs, readTimeoutMs, retries, lifecycle, successor, sunsetAt,
                deprecatedAt, models, null);
    }

    /** A REST version: served under {@code pathPrefix}, forwarding to {@code upstreams}. */
    public ServiceVersion(String version, String pathPrefix, List<String> upstreams, int connectTimeoutMs,
                          int readTimeoutMs, int retries, Lifecycle lifecycle, String successor, Instant sunsetAt,
                          Instant deprecatedAt) {
        this(version, pathPrefix, upstreams, connectTimeoutMs, readTimeoutMs, retries, lifecycle, successor, sunsetAt,
                deprecatedAt, List.of());
    }

    /** The same version in another lifecycle state. */
    public ServiceVersion withLifecycle(Lifecycle next, String successor, Instant sunsetAt, Instant deprecatedAt) {
        return new ServiceVersion(version, pathPrefix, upstreams, connectTimeoutMs, readTimeoutMs, retries, next,
                successor, sunsetAt, deprecatedAt, models, prompt);
    }

    /** Where a version is in its life. The data plane enforces each state. */
    public enum Lifecycle {
        /** Being prepared: not routable, callers get 404. */
        DRAFT,
        /** Serving. */
        PUBLISHED,
        /** Serving, with {@code Deprecation}, {@code Sunset} and successor {@code Link} headers. */
        DEPRECATED,
        /** No longer serving: callers get 410 Gone naming the successor. */
        RETIRED;

        /** Whether callers reach the upstream in this state. */
        public boolean serves() {
            return this == PUBLISHED || this == DEPRECATED;
        }
    }
}
