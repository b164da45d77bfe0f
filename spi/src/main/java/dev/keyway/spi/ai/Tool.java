package dev.keyway.spi.ai;

import java.util.Map;
import java.util.Objects;

/**
 * A tool (function) the model may call.
 *
 * @param name        the name
 * @param description what it does, or null
 * @param parameters  its JSON Schema as parsed JSON (see {@link dev.keyway.spi.json.Json}), or null for none
 */
public record Tool(String name, String description, Map<String, Object> parameters) {
    public Tool {
        Objects.requireNonNull(name, "name");
    }
}
