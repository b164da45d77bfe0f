package dev.keyway.kernel.plugin;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.PluginJars;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** With plugins.watch on, dropping a JAR into the folder loads it and deleting it unloads it. */
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
