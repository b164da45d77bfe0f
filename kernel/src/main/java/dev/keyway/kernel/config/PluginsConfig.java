package dev.keyway.kernel.config;

import io.helidon.config.Config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The plugins folder, the plugins the node may not run without, and each plugin's own config node
 * ({@code plugins.config.<plugin-id>}).
 *
 * @param dir      folder of plugin JARs
 * @param watch    load and unload JARs as they appear in and vanish from the folder
 * @param required plugin ids that must be loaded: start-up fails without them, unloading them is refused, and the
 *                 data plane refuses to proxy while no stage authenticates; empty turns all three off
 * @param configs  per plugin id, its flat kebab-case keys and values
 */
public record PluginsConfig(Path dir, boolean watch, List<String> required,
                            Map<String, Map<String, String>> configs) {

    /** Used when no source sets {@code plugins.required}: fail closed. */
    private static final List<String> DEFAULT_REQUIRED = List.of("key-auth", "key-user", "subscription", "policy");

    public PluginsConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(required, "required");
        for (String id : required) {
            if (id == null || id.isBlank() || !id.equals(id.strip())) {
                throw new IllegalArgumentException("plugins.required: " + required
                        + " (expected: plugin ids without blanks)");
            }
        }
        required = List.copyOf(new LinkedHashSet<>(required));
        configs = Map.copyOf(configs);
    }

    /** The config of one plugin; empty when none is set. */
    public Map<String, String> configOf(String pluginId) {
        return configs.getOrDefault(pluginId, Map.of());
    }

    static PluginsConfig from(Config c) {
        Map<String, Map<String, String>> configs = new HashMap<>();
        Config byPlugin = c.get("config");
        byPlugin.asNodeList().orElse(List.of()).forEach(node -> {
            Map<String, String> flat = new HashMap<>();
            node.detach().asMap().orElse(Map.of()).forEach(flat::put);
            configs.put(node.name(), flat);
        });
        return new PluginsConfig(Path.of(c.get("dir").asString().orElse("build/plugins")).toAbsolutePath(),
                c.get("watch").asBoolean().orElse(true), required(c.get("required")), configs);
    }

    /**
     * A YAML list ({@code required: [key-auth, key-user]}) or one comma-separated value ({@code "key-auth,key-user"},
     * {@code ""} for none). A flat override such as {@code keyway.plugins.required=gate} from a higher source lands
     * as a value on the list node the defaults create, and Helidon keeps both: the value is the override and wins.
     */
    private static List<String> required(Config c) {
        return list(c, DEFAULT_REQUIRED);
    }

    /** A YAML list or one comma-separated value, as for {@code required}; {@code dflt} when unset. */
    static List<String> list(Config c, List<String> dflt) {
        if (c.hasValue()) {
            return Arrays.stream(c.asString().get().split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .toList();
        }
        return c.asList(String.class).map(list -> list.stream().map(String::strip).toList())
                .orElse(dflt);
    }
}
