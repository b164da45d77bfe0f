package dev.keyway.kernel.plugin;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the plugins folder: a JAR that appears (or is replaced) is loaded, a JAR that vanishes is unloaded.
 * Events are gathered for a short quiet period so a JAR still being copied is not read half-written. A JAR holding
 * a plugin already loaded from another file replaces it (an upgrade to a newly named version). The JAR of a
 * required plugin ({@code keyway.plugins.required}) that vanishes is logged as SEVERE and the plugin stays, and so
 * is one whose removal would leave no authenticate stage. Any failure, an Error included, is logged per file and
 * the watcher goes on watching.
 */
public final class PluginFolderWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PluginFolderWatcher.class.getName());
    private static final long QUIET_MILLIS = 300;

    private final PluginHost host;
    private final WatchService watcher;
    private final Thread thread;

    public PluginFolderWatcher(PluginHost host) throws IOException {
        this.host = host;
        this.watcher = host.folder().getFileSystem().newWatchService();
        host.folder().register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
        this.thread = Thread.ofPlatform().daemon().name("keyway-plugin-watcher").start(this::run);
    }

    private void run() {
        while (true) {
            try {
                WatchKey key = watcher.take();
                Set<Path> changed = new HashSet<>();
                collect(key, changed);
                WatchKey more;
                while ((more = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    collect(more, changed);
                }
                apply(changed);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable t) {
                // Never let one bad change end hot reload for the life of the node.
                LOG.log(Level.SEVERE, "plugin folder watcher: a change in " + host.folder() + " failed; still watching",
                        t);
            }
        }
    }

    private void collect(WatchKey key, Set<Path> changed) {
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.context() instanceof Path name && name.toString().endsWith(".jar")) {
                changed.add(host.folder().resolve(name));
            }
        }
        key.reset();
    }

    /**
     * JARs that exist are applied before JARs that vanished: an upgrade that copies in key-auth-0.2.0.jar and
     * deletes key-auth-0.1.0.jar replaces the plugin first, and the deletion then finds nothing loaded from the old
     * file (a no-op) instead of unloading the plugin.
     */
    private void apply(Set<Path> changed) {
        List<Path> present = changed.stream().filter(Files::isRegularFile).sorted().toList();
        List<Path> vanished = changed.stream().filter(p -> !present.contains(p)).sorted().toList();
        present.forEach(jar -> apply(jar, true));
        vanished.forEach(jar -> apply(jar, false));
    }

    private void apply(Path jar, boolean present) {
        try {
            if (present) {
                host.load(jar.getFileName().toString());
            } else {
                host.vanished(jar);
            }
        } catch (PluginException e) {
            if (!present && e.kind() != PluginException.Kind.NOT_LOADED) {
                LOG.severe(() -> "JAR " + jar.getFileName() + " vanished from " + host.folder() + " but "
                        + e.getMessage() + "; put the JAR back, or the next start-up fails");
            } else {
                // Refusals are already reported by the host with the plugin name; the node keeps its current chain.
                LOG.log(Level.FINE, "plugin folder change not applied: " + jar, e);
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "plugin folder change not applied: " + jar + "; the node keeps its current chain",
                    t);
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
