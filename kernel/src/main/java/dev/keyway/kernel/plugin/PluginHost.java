package dev.keyway.kernel.plugin;

import dev.keyway.kernel.config.PluginsConfig;
import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.kernel.pipeline.ChainBuilder;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Stage;
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
    private final Map<String, PluginInfo> failures = new LinkedHashMap<>();
    private Path copies;
    private long copied;

    public PluginHost(PluginsConfig config, Directories directories, Ring ring) {
        this.config = config;
        this.directories = directories;
        this.ring = ring;
        ring.requireAuthentication(!config.required().isEmpty());
    }

    /** Loads every JAR in the folder; any failure, stage-order conflict or missing required plugin fails start-up. */
    public synchronized void start() {
        try {
            Files.createDirectories(config.dir());
        } catch (IOException e) {
            throw new PluginException("plugins.dir: " + config.dir() + " cannot be created: " + e.getMessage(), e);
        }
        for (Path jar : jars()) {
            put(jar);
        }
        List<String> missing = config.required().stream().filter(id -> !loaded.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new PluginException("keyway.plugins.required: " + String.join(", ", missing) + " not loaded"
                    + " (expected: " + (missing.size() == 1 ? "its JAR" : "their JARs") + " in " + config.dir()
                    + "; loaded: " + loaded.keySet() + ")");
        }
        logChain();
    }

    /** Loads (or, when already loaded, reloads) the plugin JAR with this file name from the plugins folder. */
    public synchronized PluginInfo load(String fileName) {
        String id = put(resolve(fileName));
        logChain();
        return loaded.get(id).info();
    }

    /**
     * Removes a plugin's stages from the chain (after in-flight requests are decided) and unloads it.
     *
     * @throws PluginException of kind {@link PluginException.Kind#REQUIRED} for a required plugin, which stays
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
        loaded.remove(id);
        ring.swap(ChainBuilder.build(entries(null)));
        plugin.close();
        LOG.info(() -> "plugin '" + id + "' unloaded");
        logChain();
    }

    /** Loads a plugin again from its JAR (e.g. after the file was replaced); on failure the loaded version stays. */
    public synchronized PluginInfo reload(String id) {
        LoadedPlugin plugin = loaded.get(id);
        if (plugin == null) {
            throw PluginException.notLoaded(id);
        }
        return load(plugin.file());
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

    public Path folder() {
        return config.dir();
    }

    /**
     * Loads the JAR beside the version it replaces (the plugin loaded from the same file, if any), then swaps the
     * chain once: a request runs on the old stages or on the new ones, never on neither. Any failure leaves the
     * loaded plugins and the chain as they were.
     */
    private String put(Path jar) {
        String file = jar.getFileName().toString();
        LoadedPlugin previous = loadedFrom(jar);
        LoadedPlugin next = null;
        Chain chain;
        try {
            next = LoadedPlugin.load(jar, copyPath(file), config.dir(), this::context);
            chain = ChainBuilder.build(accept(next, previous));
        } catch (RuntimeException | LinkageError e) {
            String id = next == null ? null : next.id();
            if (next != null) {
                next.close();
            }
            String message = "plugin " + file + (id == null ? "" : " ('" + id + "')") + " refused: " + reason(e)
                    + (previous == null ? "" : "; version " + previous.version() + " of '" + previous.id()
                    + "' keeps serving");
            failures.put(file, new PluginInfo(id, null, file, "failed", List.of(), message));
            LOG.log(Level.SEVERE, message, e);
            throw new PluginException(e instanceof PluginException p ? p.kind() : PluginException.Kind.REFUSED,
                    message, e);
        }
        if (previous != null) {
            loaded.remove(previous.id());
        }
        loaded.put(next.id(), next);
        failures.remove(file);
        ring.swap(chain);
        if (previous != null) {
            previous.close();
        }
        LoadedPlugin done = next;
        LOG.info(() -> "plugin '" + done.id() + "' " + done.version() + (previous == null ? " loaded" : " reloaded")
                + " from " + file);
        return next.id();
    }

    /** The entries of the chain with {@code next} in place of {@code previous}, or why that cannot be. */
    private List<Chain.Entry> accept(LoadedPlugin next, LoadedPlugin previous) {
        String id = next.id();
        LoadedPlugin sameId = loaded.get(id);
        if (sameId != null && sameId != previous) {
            throw new PluginException("plugin '" + id + "' is already loaded from " + sameId.file());
        }
        if (previous != null && !previous.id().equals(id) && config.required().contains(previous.id())) {
            throw new PluginException(PluginException.Kind.REQUIRED, next.file() + " now holds plugin '" + id
                    + "' in place of '" + previous.id() + "', which is required (keyway.plugins.required)", null);
        }
        if (next.entries().isEmpty() && config.required().contains(id)) {
            throw new PluginException("plugin '" + id + "' is required (keyway.plugins.required) but contributes no"
                    + " stage (is META-INF/extensions.idx in its JAR?)");
        }
        List<Chain.Entry> entries = entries(previous);
        entries.addAll(next.entries());
        return entries;
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
        return new Context(new MapStageConfig(config.configOf(pluginId)), directories);
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

    @Override
    public synchronized void close() {
        ring.swap(Chain.EMPTY);
        loaded.values().forEach(LoadedPlugin::close);
        loaded.clear();
        if (copies != null) {
            try (Stream<Path> left = Files.walk(copies)) {
                left.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                LOG.log(Level.WARNING, "plugin copies in " + copies + " not deleted", e);
            }
        }
    }

    private record Context(StageConfig config, Directories directories) implements StageContext {
    }
}
