package dev.keyway.kernel.plugin;

import java.util.List;

/**
 * What the admin plane shows of a plugin.
 *
 * @param id      plugin id
 * @param version plugin version
 * @param file    the JAR's file name in the plugins folder
 * @param state   loaded, failed or unloaded
 * @param stages  the stage names it contributes to the chain
 * @param error   why it failed, or null
 * @param providers the AI provider ids it contributes
 */
public record PluginInfo(String id, String version, String file, String state, List<String> stages, String error,
                         List<String> providers) {
    public PluginInfo {
        providers = providers == null ? List.of() : List.copyOf(providers);
    }
}
