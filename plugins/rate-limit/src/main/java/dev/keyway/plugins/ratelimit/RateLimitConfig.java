package dev.keyway.plugins.ratelimit;

import dev.keyway.spi.StageConfig;

import java.util.TreeSet;

/**
 * rate-limit's config under {@code plugins.config.rate-limit}. It has no settings: limits are data in the store
 * (per key, user, app, team, service or subscription), not YAML. Any key set there is refused at start-up, so a
 * typo such as {@code requests-per-minute} fails loudly instead of limiting nothing.
 */
record RateLimitConfig() {

    /** Reads the config; throws naming the first unknown key when any is set. */
    static RateLimitConfig from(StageConfig config) {
        TreeSet<String> unknown = new TreeSet<>(config.asMap().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("rate-limit." + unknown.first()
                    + ": unknown setting (expected: no settings; limits are data in the store)");
        }
        return new RateLimitConfig();
    }
}
