package dev.keyway.kernel.plugin;

import dev.keyway.kernel.config.PluginsConfig;
import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.kernel.pipeline.ChainBuilder;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageConfig;
import dev.keyway.spi.StageContext;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * <p>At start-up any plugin failure fails the node (a security stage that did not load must not leave the
 * gateway open). At run time a broken JAR is refused with a clear error and the node keeps its current chain.
 */
public final class PluginHost implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PluginHost.class.getName());

    private final PluginsConfig config;
    private final Directories directories;
    private final Ring ring;
    private final PluginManager manager;
    private final Map<String, List<Chain.Entry>> active = new LinkedHashMap<>();
    private final Map<String, PluginInfo> failures = new LinkedHashMap<>();

    public PluginHost(PluginsConfig config, Directories directories, Ring ring) {
        this.config = config;
        this.directories = directories;
        this.ring = ring;
        this.manager = new DefaultPluginManager(config.dir());
    }

    /** Loads every JAR in the folder; any failure or stage-order conflict fails start-up. */
    public synchronized void start() {
        try {
            Files.createDirectories(config.dir());
        } catch (IOException e) {
            throw new PluginException("plugins.dir: " + config.dir() + " cannot be created: " + e.getMessage(), e);
        }
        for (Path jar : jars()) {
            load(jar);
        }
        logChain();
    }

    /** Loads (or, when already loaded, reloads) the plugin JAR with this file name from the plugins folder. */
    public synchronized PluginInfo load(String fileName) {
        Path jar = resolve(fileName);
        String loaded = idOf(jar);
        if (loaded != null) {
            unload(loaded);
        }
        String id = load(jar);
        logChain();
        return info(manager.getPlugin(id));
    }

    /** Removes a plugin's stages from the chain (after in-flight requests are decided) and unloads it. */
    public synchronized void unload(String id) {
        if (manager.getPlugin(id) == null) {
            throw new PluginException("plugin '" + id + "' is not loaded");
        }
        List<Chain.Entry> removed = active.remove(id);
        List<Chain.Entry> rest = active.values().stream().flatMap(List::stream).toList();
        ring.swap(ChainBuilder.build(rest));
        stopAll(removed == null ? List.of() : removed);
        manager.stopPlugin(id);
        manager.unloadPlugin(id);
        LOG.info(() -> "plugin '" + id + "' unloaded");
        logChain();
    }

    /** Unloads and loads a plugin again from its JAR (e.g. after the file was replaced). */
    public synchronized PluginInfo reload(String id) {
        PluginWrapper wrapper = manager.getPlugin(id);
        if (wrapper == null) {
            throw new PluginException("plugin '" + id + "' is not loaded");
        }
        return load(wrapper.getPluginPath().getFileName().toString());
    }

    /** Loaded plugins, then JARs that failed. */
    public synchronized List<PluginInfo> list() {
        List<PluginInfo> all = new ArrayList<>();
        manager.getPlugins().forEach(p -> all.add(info(p)));
        all.addAll(failures.values());
        return all;
    }

    /** The id of the loaded plugin that came from this JAR, or null. */
    synchronized String idOf(Path jar) {
        for (PluginWrapper p : manager.getPlugins()) {
            if (p.getPluginPath().toAbsolutePath().equals(jar.toAbsolutePath())) {
                return p.getPluginId();
            }
        }
        return null;
    }

    public Path folder() {
        return config.dir();
    }

    private String load(Path jar) {
        String file = jar.getFileName().toString();
        failures.remove(file);
        String id = null;
        List<Chain.Entry> entries = new ArrayList<>();
        try {
            id = manager.loadPlugin(jar);
            if (manager.startPlugin(id) != PluginState.STARTED) {
                Throwable why = manager.getPlugin(id).getFailedException();
                throw new PluginException("plugin '" + id + "' did not start" + (why == null ? "" : ": " + why), why);
            }
            entries = instantiate(id);
            List<Chain.Entry> all = new ArrayList<>(active.values().stream().flatMap(List::stream).toList());
            all.addAll(entries);
            Chain next = ChainBuilder.build(all);
            active.put(id, entries);
            ring.swap(next);
            String loadedId = id;
            LOG.info(() -> "plugin '" + loadedId + "' loaded from " + file);
            return id;
        } catch (RuntimeException | LinkageError e) {
            stopAll(entries);
            if (id != null) {
                manager.stopPlugin(id);
                manager.unloadPlugin(id);
            }
            String message = "plugin " + file + (id == null ? "" : " ('" + id + "')") + " refused: " + reason(e);
            failures.put(file, new PluginInfo(id, null, file, "failed", List.of(), message));
            LOG.log(Level.SEVERE, message, e);
            throw new PluginException(message, e);
        }
    }

    private List<Chain.Entry> instantiate(String id) {
        List<Chain.Entry> entries = new ArrayList<>();
        StageContext context = new Context(new MapStageConfig(config.configOf(id)), directories);
        try {
            for (Class<? extends Stage> type : manager.getExtensionClasses(Stage.class, id)) {
                Stage stage = manager.getExtensionFactory().create(type);
                stage.start(context);
                entries.add(new Chain.Entry(id, stage));
            }
        } catch (RuntimeException | LinkageError e) {
            stopAll(entries);
            throw e;
        }
        if (entries.isEmpty()) {
            LOG.warning(() -> "plugin '" + id + "' contributes no stage (is META-INF/extensions.idx in its JAR?)");
        }
        return entries;
    }

    private void stopAll(List<Chain.Entry> entries) {
        for (Chain.Entry e : entries) {
            try {
                e.stage().stop();
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "stage " + e.describe() + " failed to stop", ex);
            }
        }
    }

    private PluginInfo info(PluginWrapper p) {
        List<String> stages = active.getOrDefault(p.getPluginId(), List.of()).stream()
                .map(e -> e.stage().name()).toList();
        return new PluginInfo(p.getPluginId(), p.getDescriptor().getVersion(),
                p.getPluginPath().getFileName().toString(), p.getPluginState().toString().toLowerCase(), stages,
                null);
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
        stopAll(ring.swap(Chain.EMPTY).entries());
        active.clear();
        manager.stopPlugins();
        manager.unloadPlugins();
    }

    private record Context(StageConfig config, Directories directories) implements StageContext {
    }
}
