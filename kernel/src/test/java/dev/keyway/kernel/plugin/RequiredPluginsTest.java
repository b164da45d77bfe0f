package dev.keyway.kernel.plugin;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.PluginJars;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code keyway.plugins.required}: the security plugins cannot be missing at start-up nor removed at run time, and
 * no chain without an authenticate stage is accepted (the ring's own backstop is tested in RingTest).
 */
class RequiredPluginsTest {

    @Test
    void startFailsNamingTheMissingRequiredPlugins(@TempDir Path tmp) {
        Path plugins = TestNode.pluginsWith(tmp.resolve("plugins"), List.of("response-header"));

        assertThatThrownBy(() -> TestNode.start(tmp.resolve("data"), plugins,
                Map.of("keyway.plugins.required", "key-auth, response-header, key-user")).close())
                .hasMessageContaining("keyway.plugins.required")
                .hasMessageContaining("key-auth, key-user not loaded")
                .hasMessageContaining(plugins.toString());
    }

    @Test
    void startFailsWhenPluginsAreRequiredButNoStageAuthenticates(@TempDir Path tmp) {
        Path plugins = TestNode.pluginsWith(tmp.resolve("plugins"), List.of("response-header"));

        assertThatThrownBy(() -> TestNode.start(tmp.resolve("data"), plugins,
                Map.of("keyway.plugins.required", "response-header")).close())
                .hasMessageContaining("no stage in the authenticate phase")
                .hasMessageContaining("keyway.plugins.required");
    }

    @Test
    void requiredPluginStaysWhenUnloadedOverTheAdminPlaneOrWhenItsJarVanishes(@TempDir Path tmp) throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path jar = gate(tmp, plugins);
        List<LogRecord> logs = new CopyOnWriteArrayList<>();
        Logger pluginLogs = Logger.getLogger(PluginHost.class.getPackageName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logs.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        pluginLogs.addHandler(capture);
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode node = TestNode.start(tmp.resolve("data"), plugins,
                     Map.of("keyway.plugins.required", "gate", "keyway.plugins.watch", "true"))) {
            node.createService("orders", "/orders", upstream.url(), null);
            assertThat(node.get("/orders/1").statusCode()).isEqualTo(401);

            HttpResponse<String> delete = node.admin("DELETE", "/admin/plugins/gate", null);
            assertThat(delete.statusCode()).as(delete.body()).isEqualTo(409);
            assertThat(delete.body()).contains("\"code\":\"plugin_required\"", "'gate'");
            assertThat(node.get("/orders/1").statusCode()).isEqualTo(401);

            Files.delete(jar);
            assertThat(awaitLog(logs, r -> r.getLevel() == Level.SEVERE
                    && r.getLoggerName().equals(PluginFolderWatcher.class.getName())
                    && r.getMessage().contains("'gate'"))).as("SEVERE from the watcher naming the plugin").isTrue();
            assertThat(node.get("/orders/1").statusCode()).isEqualTo(401);

            // A broken JAR copied in its place is refused; the loaded version keeps serving.
            Files.write(plugins.resolve("gate.jar"), "not a jar".getBytes());
            assertThat(awaitLog(logs, r -> r.getLevel() == Level.SEVERE && r.getMessage().contains("gate.jar")
                    && r.getMessage().contains("refused"))).as("refusal logged").isTrue();
            assertThat(node.get("/orders/1").statusCode()).isEqualTo(401);
            assertThat(node.admin("GET", "/admin/stages", null).body()).contains("\"name\":\"gate\"");
            assertThat(upstream.received()).isEmpty();
        } finally {
            pluginLogs.removeHandler(capture);
        }
    }

    private static Path gate(Path tmp, Path plugins) {
        return PluginJars.build(tmp.resolve("work"), plugins.resolve("gate.jar"), "gate",
                Map.of("test.plugin.Gate", PluginJars.stageSource("Gate", "gate", "AUTHENTICATE", 1,
                        "return Decision.respond(401, \"gate_closed\", \"no key\");")),
                List.of("test.plugin.Gate"));
    }

    private static boolean awaitLog(List<LogRecord> logs, Predicate<LogRecord> match) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (logs.stream().anyMatch(match)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
