package dev.keyway.kernel.plugin;

import dev.keyway.kernel.config.PluginsConfig;
import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.kernel.pipeline.ChainBuilder;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Stage;
import dev.keyway.spi.ai.AiProvider;
import dev.keyway.spi.StageConfig;
import dev.keyway.spi.StageContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Loads plugin JARs from the plugins folder, turns their {@link Stage} extensions into the ring's chain, and
 * swaps the chain atomically when a plugin is loaded, unloaded or reloaded. Only this class holds extension
 * instances (through the chain), so an unloaded plugin's class loader can be collected.
 *
 * <p>At start-up any plugin failure, or a missing {@code keyway.plugins.required} plugin, fails the node (a
 * security stage that did not load must not leave the gateway open). At run time a broken JAR is refused with a
 * clear error and the node keeps its current chain, a reload replaces the old stages with the new ones in one swap
 * (see {@link LoadedPlugin}), and a required plugin is never unloaded.
 */
public final class PluginHost implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PluginHost.class.getName());

    private final PluginsConfig config;
    private final Directories directories;
    private final Ring ring;
    private final Map<String, LoadedPlugin> loaded = new LinkedHashMap<>();
    // Provider id to provider, across loaded plugins; replaced whole on every change, read without a lock.
    private volatile Map<String, AiProvider> providers = Map.of();
    private final Map<String, PluginInfo> failures = new LinkedHashMap<>();
    private Path copies;
    private long copied;

    private final dev.keyway.spi.PolicyEngine policies;

    public PluginHost(PluginsConfig config, Directories directories, Ring ring) {
        this(config, directories, ring, null);
    }

    /** As {@link #PluginHost(PluginsConfig, Directories, Ring)}, giving stages the kernel's policy engine. */
    public PluginHost(PluginsConfig config, Directories directories, Ring ring, dev.keyway.spi.PolicyEngine policies) {
        this.config = config;
        this.directories = directories;
        this.ring = ring;
        this.policies = policies;
        ring.requireAuthentication(!config.required().isEmpty());
    }

    /**
     * Loads every JAR in the folder, then swaps the resulting chain in once. Any failure, stage-order conflict,
     * missing required plugin, two JARs of one plugin, or (while plugins are required) a chain without an
     * authenticate stage fails start-up.
     */
    public synchronized void start() {
        try {
            Files.createDirectories(config.dir());
        } catch (IOException e) {
            throw new PluginException("plugins.dir: " + config.dir() + " cannot be created: " + e.getMessage(), e);
        }
        for (Path jar : jars()) {
            try {
                put(jar, true);
            } catch (PluginException e) {
                // A broken or refused JAR is reported (log, GET /admin/plugins) and the node starts without it;
                // what must not be missing is the required list, checked next. Order conflicts stay fatal.
                if (e.getCause() instanceof ChainBuilder.ChainConflictException) {
                    throw e;
                }
            }
        }
        List<String> missing = config.required().stream().filter(id -> !loaded.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new PluginException("keyway.plugins.required: " + String.join(", ", missing) + " not loaded"
                    + " (expected: " + (missing.size() == 1 ? "its JAR" : "their JARs") + " in " + config.dir()
                    + "; loaded: " + loaded.keySet() + ")");
        }
        Chain chain;
        try {
            chain = chain(entries(null));
        } catch (PluginException e) {
            throw new PluginException("plugins in " + config.dir() + " refused: " + e.getMessage()
                    + "; loaded: " + loaded.keySet(), e);
        }
        ring.swap(chain);
        logChain();
    }

    /**
     * Loads (or, when already loaded, reloads) the plugin JAR with this file name from the plugins folder. A JAR
     * holding a plugin already loaded from another file (key-auth-0.2.0.jar beside key-auth-0.1.0.jar) replaces it.
     */
    public synchronized PluginInfo load(String fileName) {
        String id = put(resolve(fileName), false);
        logChain();
        return loaded.get(id).info();
    }

    /**
     * Removes a plugin's stages from the chain (after in-flight requests are decided) and unloads it.
     *
     * @throws PluginException of kind {@link PluginException.Kind#REQUIRED} for a required plugin, or
     *                         {@link PluginException.Kind#REFUSED} when the chain would no longer authenticate while
     *                         plugins are required; the plugin stays
     */
    public synchronized void unload(String id) {
        LoadedPlugin plugin = loaded.get(id);
        if (plugin == null) {
            throw PluginException.notLoaded(id);
        }
        if (config.required().contains(id)) {
            throw new PluginException(PluginException.Kind.REQUIRED,
                    "plugin '" + id + "' is required (keyway.plugins.required) and stays loaded", null);
        }
        Chain chain;
        try {
            chain = chain(entries(plugin));
        } catch (PluginException e) {
            String message = "plugin '" + id + "' stays loaded: without it " + e.getMessage();
            LOG.warning(message);
            throw new PluginException(message, e);
        }
        loaded.remove(id);
        providers = providersOf(loaded.values());
        ring.swap(chain, plugin::close);
        LOG.info(() -> "plugin '" + id + "' unloaded");
        logChain();
    }

    /**
     * The watcher's answer to a JAR that vanished from the folder: unloads the plugin loaded from it, if any. A
     * plugin now served from another file (it was replaced by a newer JAR) is left alone.
     *
     * @return the id of the plugin unloaded, or null when no plugin was loaded from that file
     * @throws PluginException when the plugin must stay (see {@link #unload})
     */
    synchronized String vanished(Path jar) {
        failures.remove(jar.getFileName().toString());
        LoadedPlugin plugin = loadedFrom(jar);
        if (plugin == null) {
            return null;
        }
        unload(plugin.id());
        return plugin.id();
    }

    /** Loads a plugin again from its JAR (e.g. after the file was replaced); on failure the loaded version stays. */
    public synchronized PluginInfo reload(String id) {
        LoadedPlugin plugin = loaded.get(id);
        if (plugin == null) {
            throw PluginException.notLoaded(id);
        }
        return load(plugin.file());
    }

    /** The AI providers of the loaded plugins, by provider id. Never blocks. */
    public Map<String, AiProvider> providers() {
        return providers;
    }

    /** A provider id may come from one plugin only. */
    private void checkProviders(LoadedPlugin next, LoadedPlugin previous) {
        for (AiProvider p : next.providers()) {
            for (LoadedPlugin other : loaded.values()) {
                if (other != previous && !other.id().equals(next.id())
                        && other.providers().stream().anyMatch(o -> o.id().equals(p.id()))) {
                    throw new PluginException("AI provider '" + p.id() + "' is already contributed by plugin '"
                            + other.id() + "'");
                }
            }
        }
    }

    private static Map<String, AiProvider> providersOf(java.util.Collection<LoadedPlugin> plugins) {
        Map<String, AiProvider> all = new java.util.HashMap<>();
        plugins.forEach(p -> p.providers().forEach(ai -> all.put(ai.id(), ai)));
        return Map.copyOf(all);
    }

    /** Loaded plugins, then JARs that failed (a failed replacement is listed beside the version still loaded). */
    public synchronized List<PluginInfo> list() {
        List<PluginInfo> all = new ArrayList<>();
        loaded.values().forEach(p -> all.add(p.info()));
        all.addAll(failures.values());
        return all;
    }

    /** The id of the loaded plugin that came from this JAR, or null. */
    synchronized String idOf(Path jar) {
        LoadedPlugin plugin = loadedFrom(jar);
        return plugin == null ? null : plugin.id();
    }

    /** The temp folder of private JAR copies, or null before the first load (for tests). */
    synchronized Path copies() {
        return copies;
    }

    public Path folder() {
        return config.dir();
    }

    /**
     * Loads the JAR beside the version it replaces (the plugin loaded from the same file or, at run time, the
     * plugin with the same id loaded from another file), then swaps the chain once: a request runs on the old
     * stages or on the new ones, never on neither. Any failure, an Error included, leaves the loaded plugins and
     * the chain as they were and nothing of the new version behind. At start-up the chain is only checked here
     * and swapped in once by {@link #start()}.
     */
    private String put(Path jar, boolean startUp) {
        String file = jar.getFileName().toString();
        LoadedPlugin fromFile = loadedFrom(jar);
        LoadedPlugin next = null;
        LoadedPlugin previous;
        Chain chain;
        try {
            next = LoadedPlugin.load(jar, copyPath(file), config.dir(), this::context);
            previous = replaced(next, fromFile, startUp);
            checkProviders(next, previous);
            List<Chain.Entry> entries = entries(previous);
            entries.addAll(next.entries());
            chain = startUp ? ChainBuilder.build(entries) : chain(entries);
        } catch (Throwable e) {
            String id = next == null ? null : next.id();
            if (next != null) {
                next.close();
            }
            LoadedPlugin serving = id != null && loaded.containsKey(id) ? loaded.get(id) : fromFile;
            String message = "plugin " + file + (id == null ? "" : " ('" + id + "')") + " refused: " + reason(e)
                    + (serving == null ? "" : "; version " + serving.version() + " of '" + serving.id()
                    + "' keeps serving");
            failures.put(file, new PluginInfo(id, null, file, "failed", List.of(), message, List.of()));
            LOG.log(Level.SEVERE, message, e);
            if (LoadedPlugin.fatal(e)) {
                throw (Error) e;
            }
            throw new PluginException(e instanceof PluginException p ? p.kind() : PluginException.Kind.REFUSED,
                    message, e);
        }
        if (previous != null) {
            loaded.remove(previous.id());
        }
        loaded.put(next.id(), next);
        providers = providersOf(loaded.values());
        failures.remove(file);
        if (!startUp) {
            ring.swap(chain, previous == null ? () -> { } : previous::close);
        }
        LoadedPlugin done = next;
        LOG.info(() -> "plugin '" + done.id() + "' " + done.version() + (previous == null ? " loaded" : " reloaded")
                + " from " + file + (previous == null || previous.file().equals(file) ? ""
                : " (replacing " + previous.version() + " from " + previous.file() + ")"));
        return next.id();
    }

    /** The loaded plugin {@code next} replaces, or null; or why it cannot replace it. */
    private LoadedPlugin replaced(LoadedPlugin next, LoadedPlugin fromFile, boolean startUp) {
        String id = next.id();
        LoadedPlugin sameId = loaded.get(id);
        if (sameId != null && sameId != fromFile) {
            if (startUp) {
                throw new PluginException("plugin '" + id + "' is also in " + sameId.file()
                        + " (expected: one JAR per plugin in " + config.dir() + "; delete the old version)");
            }
            if (fromFile != null) {
                throw new PluginException("plugin '" + id + "' is already loaded from " + sameId.file());
            }
            // A new version under a new file name (key-auth-0.1.0.jar -> key-auth-0.2.0.jar): replace that plugin.
            return sameId;
        }
        if (fromFile != null && !fromFile.id().equals(id) && config.required().contains(fromFile.id())) {
            throw new PluginException(PluginException.Kind.REQUIRED, next.file() + " now holds plugin '" + id
                    + "' in place of '" + fromFile.id() + "', which is required (keyway.plugins.required)", null);
        }
        if (next.entries().isEmpty() && config.required().contains(id)) {
            throw new PluginException("plugin '" + id + "' is required (keyway.plugins.required) but contributes no"
                    + " stage (is META-INF/extensions.idx in its JAR?)");
        }
        return fromFile;
    }

    /**
     * The chain of these stages, or why it cannot serve: a (phase, order) or name clash, or no stage in the
     * authenticate phase while {@code keyway.plugins.required} is non-empty.
     */
    private Chain chain(List<Chain.Entry> entries) {
        Chain chain = ChainBuilder.build(entries);
        if (!config.required().isEmpty() && !chain.authenticates()) {
            throw new PluginException("the chain would have no stage in the authenticate phase while"
                    + " keyway.plugins.required is set (" + String.join(", ", config.required()) + "), so no"
                    + " request could be authenticated (expected: a plugin with an authenticate stage, such as"
                    + " key-auth)");
        }
        return chain;
    }

    /** The stages of every loaded plugin but {@code except}. */
    private List<Chain.Entry> entries(LoadedPlugin except) {
        List<Chain.Entry> entries = new ArrayList<>();
        loaded.values().stream().filter(p -> p != except).forEach(p -> entries.addAll(p.entries()));
        return entries;
    }

    private LoadedPlugin loadedFrom(Path jar) {
        Path wanted = jar.toAbsolutePath().normalize();
        return loaded.values().stream().filter(p -> p.source().toAbsolutePath().normalize().equals(wanted))
                .findFirst().orElse(null);
    }

    /** A fresh path for a private copy of a JAR, in a temp folder of this host's own. */
    private Path copyPath(String file) {
        try {
            if (copies == null) {
                copies = Files.createTempDirectory("keyway-plugins-");
            }
        } catch (IOException e) {
            throw new PluginException("cannot create a temp folder for plugin copies: " + e.getMessage(), e);
        }
        return copies.resolve(++copied + "-" + file);
    }

    private StageContext context(String pluginId) {
        return new Context(StageConfig.of(config.configOf(pluginId)), directories,
                java.util.Optional.ofNullable(policies));
    }

    private Path resolve(String fileName) {
        Path jar = config.dir().resolve(fileName).normalize();
        if (!jar.getParent().equals(config.dir().normalize()) || !fileName.endsWith(".jar")) {
            throw new PluginException("file: " + fileName + " (expected: the name of a .jar in the plugins folder)");
        }
        if (!Files.isRegularFile(jar)) {
            throw new PluginException("file: " + fileName + " not found in " + config.dir());
        }
        return jar;
    }

    private List<Path> jars() {
        try (Stream<Path> files = Files.list(config.dir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new PluginException("plugins.dir: " + config.dir() + " cannot be read: " + e.getMessage(), e);
        }
    }

    private void logChain() {
        StringBuilder s = new StringBuilder("stage chain:");
        ring.chain().entries().forEach(e -> s.append("\n  ").append(e.describe()));
        if (ring.chain().entries().isEmpty()) {
            s.append(" (empty)");
        }
        LOG.info(s::toString);
    }

    private static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Empties the chain, then (once the ring has drained) stops every plugin and deletes the private copies. */
    @Override
    public synchronized void close() {
        List<LoadedPlugin> all = List.copyOf(loaded.values());
        loaded.clear();
        Path folder = copies;
        ring.swap(Chain.EMPTY, () -> {
            all.forEach(LoadedPlugin::close);
            deleteCopies(folder);
        });
    }

    private static void deleteCopies(Path folder) {
        if (folder == null) {
            return;
        }
        try (Stream<Path> left = Files.walk(folder)) {
            left.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "plugin copies in " + folder + " not deleted", e);
        }
    }

    private record Context(StageConfig config, Directories directories,
                           java.util.Optional<dev.keyway.spi.PolicyEngine> policies) implements StageContext {
    }
}
