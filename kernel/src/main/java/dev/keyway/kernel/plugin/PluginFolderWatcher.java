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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the plugins folder: a JAR that appears (or is replaced) is loaded, a JAR that vanishes is unloaded.
 * Events are gathered for a short quiet period so a JAR still being copied is not read half-written. The JAR of a
 * required plugin ({@code keyway.plugins.required}) that vanishes is logged as SEVERE and the plugin stays.
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
        try {
            while (true) {
                WatchKey key = watcher.take();
                Set<Path> changed = new HashSet<>();
                collect(key, changed);
                WatchKey more;
                while ((more = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    collect(more, changed);
                }
                changed.forEach(this::apply);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
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

    private void apply(Path jar) {
        boolean present = Files.isRegularFile(jar);
        try {
            if (present) {
                host.load(jar.getFileName().toString());
            } else {
                String id = host.idOf(jar);
                if (id != null) {
                    host.unload(id);
                }
            }
        } catch (RuntimeException e) {
            if (!present && e instanceof PluginException p && p.kind() == PluginException.Kind.REQUIRED) {
                LOG.severe(() -> "JAR " + jar.getFileName() + " vanished from " + host.folder() + " but "
                        + p.getMessage() + "; put the JAR back, or the next start-up fails");
            } else {
                // Refusals are already reported by the host with the plugin name; the node keeps its current chain.
                LOG.log(Level.FINE, "plugin folder change not applied: " + jar, e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
