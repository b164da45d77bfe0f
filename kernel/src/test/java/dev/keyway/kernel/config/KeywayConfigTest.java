package dev.keyway.kernel.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeywayConfigTest {

    @Test
    void defaultsBindLoopbackOnTheDocumentedPorts() {
        KeywayConfig c = KeywayConfig.load(Map.of(), Map.of());
        assertThat(c.dataPlane().host()).isEqualTo("127.0.0.1");
        assertThat(c.dataPlane().port()).isEqualTo(8080);
        assertThat(c.adminPlane().port()).isEqualTo(9080);
        assertThat(c.dataPlane().maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(c.dataDir()).isEqualTo(Path.of("keyway-data").toAbsolutePath());
        assertThat(c.ring()).isEqualTo(new RingConfig(1024, 1, "lite-blocking"));
        assertThat(c.bootstrapToken()).isEmpty();
        assertThat(c.plugins().configOf("response-header")).containsEntry("headers", "x-served-by=keyway");
    }

    @Test
    void environmentVariablesWinOverDefaults() {
        KeywayConfig c = KeywayConfig.load(Map.of("KEYWAY_DATA_DIR", "/tmp/kw-env", "KEYWAY_DATA_PORT", "18080",
                "KEYWAY_BOOTSTRAP_TOKEN", "tok"), Map.of());
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/kw-env"));
        assertThat(c.pepperFile()).isEqualTo(Path.of("/tmp/kw-env/pepper.key"));
        assertThat(c.dataPlane().port()).isEqualTo(18080);
        assertThat(c.bootstrapToken()).hasValue("tok");
    }

    @Test
    void thePepperComesFromTheEnvironmentWhenSetAndNeverShowsInText() {
        String pepper = java.util.Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'Q');
        KeywayConfig c = KeywayConfig.load(Map.of("KEYWAY_PEPPER", pepper, "KEYWAY_BOOTSTRAP_TOKEN", "kwb-secret"),
                Map.of());
        assertThat(c.pepper()).hasValue(pepper);
        assertThat(c.toString()).doesNotContain(pepper, "kwb-secret").contains("pepper=<set>");
        assertThat(dev.keyway.kernel.store.KeyHasher.fromBase64(pepper).hash("kw-x"))
                .isEqualTo(dev.keyway.kernel.store.KeyHasher.fromBase64(pepper).hash("kw-x"));
        assertThatThrownBy(() -> dev.keyway.kernel.store.KeyHasher.fromBase64("c2hvcnQ="))
                .hasMessageContaining("KEYWAY_PEPPER").hasMessageNotContaining("c2hvcnQ=");
    }

    @Test
    void invalidValuesNameTheKeyAndWhatWasExpected() {
        assertThatThrownBy(() -> KeywayConfig.load(Map.of(), Map.of("keyway.ring.size", "1000")))
                .hasMessage("ring.size: 1000 (expected: a power of two >= 2)");
        assertThatThrownBy(() -> KeywayConfig.load(Map.of(), Map.of("keyway.ring.wait-strategy", "busy-spin")))
                .hasMessageContaining("ring.wait-strategy: busy-spin (expected: one of");
        assertThatThrownBy(() -> KeywayConfig.load(Map.of("KEYWAY_CONFIG", "/nonexistent.yaml"), Map.of()))
                .hasMessageContaining("KEYWAY_CONFIG: /nonexistent.yaml");
        assertThatThrownBy(() -> KeywayConfig.load(Map.of("KEYWAY_IGNITE_XML", "/nonexistent.xml"), Map.of()))
                .hasMessageContaining("store.ignite-xml: /nonexistent.xml (expected: an existing Ignite Spring XML");
    }
}
