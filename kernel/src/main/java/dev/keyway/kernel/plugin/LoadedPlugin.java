package dev.keyway.kernel.plugin;

import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.spi.Stage;
import dev.keyway.spi.ai.AiProvider;
import dev.keyway.spi.StageContext;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One plugin JAR, loaded from a private copy in a PF4J manager of its own, with its stages started.
 *
 * <p>Its own manager is what lets a new version load and start beside the version that is serving (one PF4J
 * manager refuses two plugins with the same id), so a reload swaps old stages for new ones in a single chain swap
 * and a broken replacement never touches the serving version. The private copy keeps the serving version's
 * classes readable when its JAR in the plugins folder is overwritten in place or deleted, and gives every load a
 * fresh path (the JDK caches opened JARs by URL).
 */
final class LoadedPlugin {
    private static final Logger LOG = Logger.getLogger(LoadedPlugin.class.getName());

    private final Path source;
    private final Path copy;
    private final PluginManager manager;
    private final PluginWrapper wrapper;
    private final List<Chain.Entry> entries;
    private final List<AiProvider> providers;

    private LoadedPlugin(Path source, Path copy, PluginManager manager, PluginWrapper wrapper,
                         List<Chain.Entry> entries, List<AiProvider> providers) {
        this.source = source;
        this.copy = copy;
        this.manager = manager;
        this.wrapper = wrapper;
        this.entries = List.copyOf(entries);
        this.providers = List.copyOf(providers);
    }

    /**
     * Copies {@code source} to {@code copy}, loads and starts the plugin there, and creates and starts its stages.
     * On any failure (an exception, an Error, a checked exception thrown sneakily from a stage's {@code start})
     * whatever was done is undone: started stages stopped, manager and class loader unloaded, copy deleted. Then a
     * {@link PluginException} (or the RuntimeException thrown) propagates; a {@link #fatal} Error is rethrown as is.
     */
    static LoadedPlugin load(Path source, Path copy, Path pluginsRoot, Function<String, StageContext> contexts) {
        try {
            Files.copy(source, copy);
        } catch (IOException e) {
            delete(copy);
            throw new PluginException("cannot copy " + source + " to " + copy + ": " + e.getMessage(), e);
        }
        PluginManager manager = null;
        List<Chain.Entry> entries = new ArrayList<>();
        try {
            checkJar(copy);
            manager = new DefaultPluginManager(pluginsRoot);
            String id = manager.loadPlugin(copy);
            if (id == null) {
                throw new PluginException(
                        "not a PF4J plugin (expected: Plugin-Id in its manifest or plugin.properties)");
            }
            if (manager.startPlugin(id) != PluginState.STARTED) {
                Throwable why = manager.getPlugin(id).getFailedException();
                throw new PluginException("plugin '" + id + "' did not start" + (why == null ? "" : ": " + why), why);
            }
            StageContext context = contexts.apply(id);
            for (Class<? extends Stage> type : manager.getExtensionClasses(Stage.class, id)) {
                Stage stage = manager.getExtensionFactory().create(type);
                stage.start(context);
                entries.add(new Chain.Entry(id, stage));
            }
            List<AiProvider> providers = new ArrayList<>();
            for (Class<? extends AiProvider> type : manager.getExtensionClasses(AiProvider.class, id)) {
                providers.add(manager.getExtensionFactory().create(type));
            }
            if (entries.isEmpty() && providers.isEmpty()) {
                LOG.warning(() -> "plugin '" + id + "' contributes no stage and no AI provider (is "
                        + "META-INF/extensions.idx in its JAR?)");
            }
            return new LoadedPlugin(source, copy, manager, manager.getPlugin(id), entries, providers);
        } catch (Throwable e) {
            discard(entries, manager, copy);
            if (fatal(e)) {
                throw (Error) e;
            }
            // Name the JAR the operator knows, not the private copy.
            String named = e instanceof RuntimeException ? e.getMessage() : e.toString();
            if (named != null && named.contains(copy.toString())) {
                throw new PluginException(named.replace(copy.toString(), source.getFileName().toString()), e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            // An Error (AssertionError, StackOverflowError, LinkageError…) or a checked exception: a refusal too.
            throw new PluginException(named, e);
        }
    }

    /**
     * An Error after which the JVM itself is in doubt (out of memory, internal error): cleaned up after, then
     * rethrown rather than reported as a refused plugin. A StackOverflowError is a plugin bug and is not fatal.
     */
    static boolean fatal(Throwable t) {
        return t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
    }

    /** Refuses a file that is not a JAR with a plain message, before PF4J reports it less plainly. */
    private static void checkJar(Path jar) {
        try (JarFile ignored = new JarFile(jar.toFile())) {
            // Readable.
        } catch (IOException e) {
            throw new PluginException("not a JAR (" + e.getMessage() + ")", e);
        }
    }

    String id() {
        return wrapper.getPluginId();
    }

    /** The JAR's file name in the plugins folder. */
    String file() {
        return source.getFileName().toString();
    }

    Path source() {
        return source;
    }

    String version() {
        return wrapper.getDescriptor().getVersion();
    }

    List<Chain.Entry> entries() {
        return entries;
    }

    /** The AI providers (wire formats) this plugin contributes. */
    List<AiProvider> providers() {
        return providers;
    }

    PluginInfo info() {
        return new PluginInfo(id(), version(), file(), wrapper.getPluginState().toString().toLowerCase(),
                entries.stream().map(e -> e.stage().name()).toList(), null,
                providers.stream().map(AiProvider::id).toList());
    }

    /** Stops the stages and the plugin, closes its class loader and deletes the copy. Call once it serves no more. */
    void close() {
        discard(entries, manager, copy);
    }

    private static void stopAll(List<Chain.Entry> entries) {
        for (Chain.Entry e : entries) {
            try {
                e.stage().stop();
            } catch (Throwable ex) {
                LOG.log(Level.WARNING, "stage " + e.describe() + " failed to stop", ex);
            }
        }
    }

    /** Best effort, never throws: every step runs even when an earlier one failed. */
    private static void discard(List<Chain.Entry> entries, PluginManager manager, Path copy) {
        stopAll(entries);
        if (manager != null) {
            List<ClassLoader> loaders = new ArrayList<>();
            try {
                manager.getPlugins().forEach(p -> loaders.add(p.getPluginClassLoader()));
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "plugin copy " + copy + ": class loader not found", e);
            }
            try {
                manager.stopPlugins();
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "plugin copy " + copy + " failed to stop", e);
            }
            try {
                manager.unloadPlugins();
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "plugin copy " + copy + " failed to unload", e);
            }
            for (ClassLoader loader : loaders) {
                // PF4J closes it on unload; again here in case the unload failed half-way (closing twice is a no-op).
                if (loader instanceof Closeable closeable) {
                    try {
                        closeable.close();
                    } catch (Throwable e) {
                        LOG.log(Level.WARNING, "plugin copy " + copy + ": class loader not closed", e);
                    }
                }
            }
        }
        delete(copy);
    }

    private static void delete(Path copy) {
        try {
            Files.deleteIfExists(copy);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "plugin copy " + copy + " not deleted", e);
        }
    }
}
