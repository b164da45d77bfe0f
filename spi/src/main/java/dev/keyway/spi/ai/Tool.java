package dev.keyway.spi.ai;

import java.util.Map;
import java.util.Objects;

/**
 * A tool (function) the model may call.
 *
 * @param name        the name
 * @param description what it does, or null
 * @param parameters  its JSON Schema as parsed JSON (see {@link dev.keyway.spi.json.Json}), or null for none
 * @param strict      OpenAI's {@code strict}: arguments must follow the schema exactly; null when not given.
 *                    Providers without it refuse {@code true} unless the caller drops unsupported parameters.
 */
public record Tool(String name, String description, Map<String, Object> parameters, Boolean strict) {
    public Tool {
        Objects.requireNonNull(name, "name");
    }

    /** A tool without the strict flag. */
    public Tool(String name, String description, Map<String, Object> parameters) {
        this(name, description, parameters, null);
    }
}
