package dev.keyway.kernel.plugin;

import dev.keyway.kernel.config.KeywayConfig;
import dev.keyway.kernel.config.PluginsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code keyway.plugins.required} as a YAML list or one comma-separated value, and its fail-closed default. */
class RequiredPluginsConfigTest {

    @Test
    void defaultsRequireTheSecurityPlugins() {
        assertThat(required(Map.of(), Map.of())).containsExactly("key-auth", "key-user", "subscription", "policy");
    }

    @Test
    void flatOverrideIsACommaSeparatedListThatWinsOverTheDefaultList() {
        assertThat(required(Map.of(), Map.of("keyway.plugins.required", ""))).isEmpty();
        assertThat(required(Map.of(), Map.of("keyway.plugins.required", " gate , key-auth,gate")))
                .containsExactly("gate", "key-auth");
    }

    @Test
    void yamlFileReplacesTheDefaultListWithItsOwn(@TempDir Path tmp) throws Exception {
        Path one = Files.writeString(tmp.resolve("one.yaml"), "keyway:\n  plugins:\n    required: [gate]\n");
        Path none = Files.writeString(tmp.resolve("none.yaml"), "keyway:\n  plugins:\n    required: []\n");
        Path text = Files.writeString(tmp.resolve("text.yaml"), "keyway:\n  plugins:\n    required: \"a, b\"\n");

        assertThat(required(Map.of("KEYWAY_CONFIG", one.toString()), Map.of())).containsExactly("gate");
        assertThat(required(Map.of("KEYWAY_CONFIG", none.toString()), Map.of())).isEmpty();
        assertThat(required(Map.of("KEYWAY_CONFIG", text.toString()), Map.of())).containsExactly("a", "b");
    }

    @Test
    void blankIdIsRefused() {
        assertThatThrownBy(() -> new PluginsConfig(Path.of("p"), false, List.of("key-auth", " "), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plugins.required");
    }

    private static List<String> required(Map<String, String> env, Map<String, String> overrides) {
        return KeywayConfig.load(env, overrides).plugins().required();
    }
}
