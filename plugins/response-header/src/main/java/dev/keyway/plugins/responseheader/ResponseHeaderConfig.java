package dev.keyway.plugins.responseheader;

import dev.keyway.spi.StageConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The plugin's config: {@code headers: "name=value, other=value"} under {@code plugins.config.response-header}.
 *
 * @param headers header names and values to set on every response
 */
public record ResponseHeaderConfig(Map<String, String> headers) {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    public ResponseHeaderConfig {
        if (headers.isEmpty()) {
            throw new IllegalArgumentException("response-header.headers: empty (expected: name=value[, name=value])");
        }
        headers.forEach((name, value) -> {
            if (!TOKEN.matcher(name).matches()) {
                throw new IllegalArgumentException("response-header.headers: '" + name
                        + "' (expected: an HTTP header name)");
            }
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                throw new IllegalArgumentException("response-header.headers: value of '" + name
                        + "' has control characters");
            }
        });
        headers = Map.copyOf(headers);
    }

    /** Reads {@code headers} from the stage config. */
    public static ResponseHeaderConfig from(StageConfig config) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String pair : config.required("headers").split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("response-header.headers: '" + pair.trim()
                        + "' (expected: name=value)");
            }
            headers.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return new ResponseHeaderConfig(headers);
    }
}
