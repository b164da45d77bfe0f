package dev.keyway.kernel;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Config written through the admin plane survives a restart of the node (Ignite native persistence). */
class NodeRestartTest {

    @Test
    void servicesSurviveARestart(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        try (FakeUpstream upstream = new FakeUpstream()) {
            String id;
            try (TestNode first = TestNode.start(data, plugins, Map.of())) {
                id = first.createService("persisted", "/persisted", upstream.url(), null);
                assertThat(first.get("/persisted/a").statusCode()).isEqualTo(200);
            }
            try (TestNode second = TestNode.start(data, plugins, Map.of())) {
                assertThat(second.admin("GET", "/admin/services/" + id, null).statusCode()).isEqualTo(200);
                assertThat(second.get("/persisted/b").statusCode()).isEqualTo(200);
            }
            assertThat(upstream.received()).extracting(FakeUpstream.Received::path).containsExactly("/a", "/b");
        }
    }
}
