package dev.keyway.kernel.config;

import io.helidon.config.Config;

import java.time.Duration;

/**
 * The AI gateway's settings ({@code keyway.ai.*}).
 *
 * @param maxAttempts       attempts per deployment on 429/5xx/529 before falling back to the next (≥ 1)
 * @param backoff           the first retry's wait, doubled per attempt (a Retry-After asks for longer)
 * @param maxRetryAfter     the longest Retry-After honoured; a provider asking for more is skipped instead
 * @param breakerFailures   consecutive failures that open a deployment's circuit breaker
 * @param breakerOpenFor    how long an open breaker refuses calls before one half-open probe
 * @param defaultMaxTokens  max_tokens sent to providers that require one (Anthropic) when the caller gave none
 * @param timeout           upstream response timeout (until the response head arrives)
 * @param exposeHeaders     whether responses carry x-keyway-model / -provider / -cost headers
 */
public record AiConfig(int maxAttempts, Duration backoff, Duration maxRetryAfter, int breakerFailures,
                       Duration breakerOpenFor, int defaultMaxTokens, Duration timeout, boolean exposeHeaders) {

    public AiConfig {
        if (maxAttempts < 1 || breakerFailures < 1 || defaultMaxTokens < 1) {
            throw new IllegalArgumentException("ai: max-attempts, breaker-failures and default-max-tokens must be >= 1");
        }
    }

    static AiConfig from(Config c) {
        return new AiConfig(c.get("max-attempts").asInt().orElse(2),
                c.get("backoff").as(Duration.class).orElse(Duration.ofMillis(200)),
                c.get("max-retry-after").as(Duration.class).orElse(Duration.ofSeconds(10)),
                c.get("breaker-failures").asInt().orElse(5),
                c.get("breaker-open-for").as(Duration.class).orElse(Duration.ofSeconds(30)),
                c.get("default-max-tokens").asInt().orElse(4096),
                c.get("timeout").as(Duration.class).orElse(Duration.ofSeconds(120)),
                c.get("expose-headers").asBoolean().orElse(true));
    }
}
