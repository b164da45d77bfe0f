package dev.keyway.kernel.plugin;

import dev.keyway.spi.StageConfig;

import java.util.Map;
import java.util.Optional;

/** A stage's config node, flattened to kebab-case keys. */
record MapStageConfig(Map<String, String> values) implements StageConfig {

    MapStageConfig {
        values = Map.copyOf(values);
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public Map<String, String> asMap() {
        return values;
    }
}
