package dev.keyway.kernel.plugin;

import dev.keyway.kernel.config.PluginsConfig;
import dev.keyway.kernel.config.RingConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.PluginJars;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.fixture.InMemoryDirectories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With plugins.watch on, dropping a JAR into the folder loads it and deleting it unloads it; a JAR with the id of
 * a loaded plugin under a new file name replaces it; a plugin that throws an Error never stops the watcher.
 */
class PluginFolderWatchTest {

    @Test
    void droppedJarIsLoadedAndRemovedJarIsUnloaded(@TempDir Path tmp) throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode node = TestNode.start(tmp.resolve("data"), plugins, Map.of("keyway.plugins.watch", "true"))) {
            node.createService("orders", "/orders", upstream.url(), null);
            assertThat(node.get("/orders/x").statusCode()).isEqualTo(200);

            Path jar = PluginJars.build(tmp.resolve("work"), plugins.resolve("gone.jar"), "gone",
                    Map.of("test.plugin.Gone", PluginJars.stageSource("Gone", "gone", "AUTHENTICATE", 1,
                            "return Decision.respond(410, \"gone\", \"gone for good\");")),
                    List.of("test.plugin.Gone"));
            assertThat(eventually(() -> node.get("/orders/x").statusCode(), 410)).isEqualTo(410);

            Files.delete(jar);
            assertThat(eventually(() -> node.get("/orders/x").statusCode(), 200)).isEqualTo(200);
        }
    }

    @Test
    void upgradeByCopyingInANewlyNamedJarAndDeletingTheOldOneNeverLosesThePlugin(@TempDir Path tmp)
            throws Exception {
        upgrade(tmp, List.of());
    }

    @Test
    void upgradeOfARequiredPluginByANewlyNamedJar(@TempDir Path tmp) throws Exception {
        upgrade(tmp, List.of("gate"));
    }

    private static void upgrade(Path tmp, List<String> required) throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path old = PluginHostTest.denying(plugins.resolve("gate-0.1.0.jar"), "gate", "AUTHENTICATE", "v1");
        try (Ring ring = new Ring(new RingConfig(64, 1, "lite-blocking"), new Metrics());
             PluginHost host = new PluginHost(new PluginsConfig(plugins, true, required, Map.of()),
                     new InMemoryDirectories().directories(), ring)) {
            host.start();
            List<String> seen = new CopyOnWriteArrayList<>();
            AtomicBoolean probing = new AtomicBoolean(true);
            Thread probe = Thread.ofPlatform().start(() -> {
                while (probing.get()) {
                    seen.add(PluginHostTest.code(ring));
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            try (PluginFolderWatcher ignored = new PluginFolderWatcher(host)) {
                // Built elsewhere and moved in, then the old file deleted at once: one batch for the watcher.
                PluginHostTest.denying(plugins.resolve("gate-0.2.0.jar"), "gate", "AUTHENTICATE", "v2");
                Files.delete(old);

                assertThat(eventually(() -> PluginHostTest.code(ring), "v2")).isEqualTo("v2");
                Thread.sleep(1000); // let the watcher apply anything left of the batch
                assertThat(PluginHostTest.code(ring)).isEqualTo("v2");
                assertThat(host.list()).singleElement().satisfies(p -> {
                    assertThat(p.id()).isEqualTo("gate");
                    assertThat(p.file()).isEqualTo("gate-0.2.0.jar");
                    assertThat(p.error()).isNull();
                });
            } finally {
                probing.set(false);
                probe.join();
            }
            assertThat(seen).as("every request met a version of the plugin").isNotEmpty()
                    .containsOnly("v1", "v2");
        }
    }

    @Test
    void watcherKeepsRunningAfterAStageThrowsAnError(@TempDir Path tmp) throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        try (Ring ring = new Ring(new RingConfig(64, 1, "lite-blocking"), new Metrics());
             PluginHost host = new PluginHost(new PluginsConfig(plugins, true, List.of(), Map.of()),
                     new InMemoryDirectories().directories(), ring);
             PluginFolderWatcher ignored = startWatching(host)) {
            PluginHostTest.asserting(plugins.resolve("asserts.jar"));
            assertThat(eventually(() -> host.list().isEmpty() ? "none" : host.list().getFirst().state(), "failed"))
                    .as("the Error is recorded as a failure").isEqualTo("failed");

            PluginHostTest.denying(plugins.resolve("good.jar"), "good", "AUTHENTICATE", "good");
            assertThat(eventually(() -> PluginHostTest.code(ring), "good")).as("the watcher still loads JARs")
                    .isEqualTo("good");
        }
    }

    private static PluginFolderWatcher startWatching(PluginHost host) throws Exception {
        host.start();
        return new PluginFolderWatcher(host);
    }

    private static String eventually(Supplier<String> probe, String expected) throws InterruptedException {
        String last = null;
        for (int i = 0; i < 100 && !expected.equals(last); i++) {
            last = probe.get();
            if (!expected.equals(last)) {
                Thread.sleep(100);
            }
        }
        return last;
    }

    private static int eventually(IntSupplier probe, int expected) throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 100 && last != expected; i++) {
            last = probe.getAsInt();
            if (last != expected) {
                Thread.sleep(100);
            }
        }
        return last;
    }
}
