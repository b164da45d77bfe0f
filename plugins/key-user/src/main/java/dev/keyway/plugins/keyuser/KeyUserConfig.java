package dev.keyway.plugins.keyuser;

import dev.keyway.spi.StageConfig;

import java.util.TreeSet;

/**
 * key-user's config under {@code plugins.config.key-user}. It has no settings: which owners, teams and apps may
 * act is data in the store, not YAML. Any key set there is refused at start-up, so a typo fails loudly instead of
 * doing nothing.
 */
record KeyUserConfig() {

    /** Reads the config; throws naming the first unknown key when any is set. */
    static KeyUserConfig from(StageConfig config) {
        TreeSet<String> unknown = new TreeSet<>(config.asMap().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("key-user." + unknown.first()
                    + ": unknown setting (expected: no settings; key-user is not configurable)");
        }
        return new KeyUserConfig();
    }
}
