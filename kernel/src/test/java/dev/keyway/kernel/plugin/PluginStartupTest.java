package dev.keyway.kernel.plugin;

import dev.keyway.kernel.testing.PluginJars;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What start-up does with the plugins folder: a broken JAR is reported, an order conflict is fatal. */
class PluginStartupTest {

    @Test
    void aBrokenJarAtStartUpIsReportedAndTheNodeStartsWithoutIt(@TempDir Path tmp) throws Exception {
        Path plugins = TestNode.pluginsWith(tmp.resolve("plugins"), List.of("response-header"));
        Files.write(plugins.resolve("broken.jar"), "not a jar".getBytes());
        try (TestNode node = TestNode.start(tmp.resolve("data"), plugins, Map.of())) {
            String listed = node.admin("GET", "/admin/plugins", null).body();
            assertThat(listed).contains("\"file\":\"broken.jar\"", "\"state\":\"failed\"", "refused")
                    .contains("\"id\":\"response-header\"");
            assertThat(node.admin("GET", "/health", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void duplicateStageOrderAtStartUpStopsTheNodeNamingBothStages(@TempDir Path tmp) {
        Path plugins = TestNode.pluginsWith(tmp.resolve("plugins"), List.of("response-header"));
        PluginJars.build(tmp.resolve("work"), plugins.resolve("clash.jar"), "clash",
                Map.of("test.plugin.Clash", PluginJars.stageSource("Clash", "clash", "TRANSFORM", 900,
                        "return Decision.proceed();")), List.of("test.plugin.Clash"));

        assertThatThrownBy(() -> TestNode.start(tmp.resolve("data"), plugins, Map.of()))
                .hasMessageContaining("duplicate stage order (transform, 900)")
                .hasMessageContaining("'response-header'").hasMessageContaining("'clash'");
    }
}
