package dev.keyway.kernel.config;

import io.helidon.config.Config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The plugins folder and each plugin's own config node ({@code plugins.config.<plugin-id>}).
 *
 * @param dir     folder of plugin JARs
 * @param watch   load and unload JARs as they appear in and vanish from the folder
 * @param configs per plugin id, its flat kebab-case keys and values
 */
public record PluginsConfig(Path dir, boolean watch, Map<String, Map<String, String>> configs) {

    public PluginsConfig {
        Objects.requireNonNull(dir, "dir");
        configs = Map.copyOf(configs);
    }

    /** The config of one plugin; empty when none is set. */
    public Map<String, String> configOf(String pluginId) {
        return configs.getOrDefault(pluginId, Map.of());
    }

    static PluginsConfig from(Config c) {
        Map<String, Map<String, String>> configs = new HashMap<>();
        Config byPlugin = c.get("config");
        byPlugin.asNodeList().orElse(java.util.List.of()).forEach(node -> {
            Map<String, String> flat = new HashMap<>();
            node.detach().asMap().orElse(Map.of()).forEach(flat::put);
            configs.put(node.name(), flat);
        });
        return new PluginsConfig(Path.of(c.get("dir").asString().orElse("build/plugins")).toAbsolutePath(),
                c.get("watch").asBoolean().orElse(true), configs);
    }
}
