package dev.keyway.plugins.subscription;

import dev.keyway.spi.StageConfig;

import java.util.TreeSet;

/**
 * subscription's config under {@code plugins.config.subscription}. It has no settings: which apps may call which
 * services is data in the store, not YAML. Any key set there is refused at start-up, so a typo fails loudly instead
 * of doing nothing.
 */
record SubscriptionConfig() {

    /** Reads the config; throws naming the first unknown key when any is set. */
    static SubscriptionConfig from(StageConfig config) {
        TreeSet<String> unknown = new TreeSet<>(config.asMap().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("subscription." + unknown.first()
                    + ": unknown setting (expected: no settings; subscription is not configurable)");
        }
        return new SubscriptionConfig();
    }
}
