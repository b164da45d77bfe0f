package dev.keyway.plugins.keyauth;

import dev.keyway.spi.StageConfig;

import java.util.TreeSet;

/**
 * key-auth's config under {@code plugins.config.key-auth}. It has no settings on purpose: where a key is read
 * from and what is checked are fixed, so this security stage cannot be configured into letting traffic through.
 * Any key set there is refused at start-up, so a typo or a setting another gateway has (say, reading keys from
 * the query string) fails loudly instead of doing nothing.
 */
record KeyAuthConfig() {

    /** Reads the config; throws naming the first unknown key when any is set. */
    static KeyAuthConfig from(StageConfig config) {
        TreeSet<String> unknown = new TreeSet<>(config.asMap().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("key-auth." + unknown.first()
                    + ": unknown setting (expected: no settings; key-auth is not configurable)");
        }
        return new KeyAuthConfig();
    }
}
