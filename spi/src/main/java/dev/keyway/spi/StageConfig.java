package dev.keyway.spi;

import java.util.Map;
import java.util.Optional;

/**
 * A stage's configuration: flat, kebab-case keys ({@code header-name}, {@code limits.per-minute}) with string
 * values. Parse it once in {@link Stage#start(StageContext)} into a validating record.
 */
public interface StageConfig {

    /** A config over these flat keys and values (copied); the kernel builds stage configs this way, tests too. */
    static StageConfig of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new StageConfig() {
            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(copy.get(key));
            }

            @Override
            public Map<String, String> asMap() {
                return copy;
            }
        };
    }

    /** The value of {@code key}, if set. */
    Optional<String> get(String key);

    /** All keys and values. */
    Map<String, String> asMap();

    /** The value of {@code key}, or an {@link IllegalArgumentException} naming the key when it is missing. */
    default String required(String key) {
        return get(key).orElseThrow(() -> new IllegalArgumentException(key + ": missing (expected: a value)"));
    }

    /** An integer value, the default when absent, or an exception naming the key when it is not a number. */
    default int integer(String key, int defaultValue) {
        Optional<String> v = get(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.get().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": " + v.get() + " (expected: an integer)", e);
        }
    }
}
