package dev.keyway.kernel.plugin;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.PluginJars;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real plugin JARs built in a temp folder, loaded into a running node over the admin plane, used on requests,
 * reloaded and unloaded without a restart.
 */
class PluginLifecycleTest {
    @TempDir
    static Path tmp;
    static FakeUpstream upstream;
    static TestNode node;
    static Path plugins;

    @BeforeAll
    static void start() {
        upstream = new FakeUpstream();
        plugins = TestNode.pluginsWith(tmp.resolve("plugins"), List.of("response-header"));
        node = TestNode.start(tmp.resolve("data"), plugins, Map.of());
        node.createService("orders", "/orders", upstream.url(), null);
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    @Test
    void builtInPluginIsLoadedAndApplied() {
        HttpResponse<String> r = node.get("/orders/1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-served-by")).hasValue("keyway");
        assertThat(node.admin("GET", "/admin/stages", null).body())
                .contains("\"name\":\"response-header\"", "\"phase\":\"transform\"", "\"order\":900");
    }

    @Test
    void loadUseReloadAndUnloadAJarWithoutRestart() throws Exception {
        Path jar = denyPlugin("deny-teapot", "DenyTeapot", 418, "teapot", "short and stout");
        int before = upstream.received().size();

        HttpResponse<String> loaded = node.admin("POST", "/admin/plugins",
                "{\"file\":\"" + jar.getFileName() + "\"}");
        assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(201);
        assertThat(loaded.body()).contains("\"id\":\"deny-teapot\"", "\"stages\":[\"deny-teapot\"]");

        HttpResponse<String> denied = node.get("/orders/tea");
        assertThat(denied.statusCode()).isEqualTo(418);
        assertThat(denied.body()).contains("\"code\":\"teapot\"", "\"message\":\"short and stout\"", "requestId");
        assertThat(upstream.received()).as("nothing reached the upstream").hasSize(before);
        assertThat(node.get("/orders/coffee").statusCode()).isEqualTo(200);

        // Replace the JAR with a new version and reload: the new code serves.
        denyPlugin("deny-teapot", "DenyTeapot2", 451, "teapot_v2", "second version");
        assertThat(node.admin("POST", "/admin/plugins/deny-teapot/reload", null).statusCode()).isEqualTo(200);
        assertThat(node.get("/orders/tea").statusCode()).isEqualTo(451);

        assertThat(node.admin("DELETE", "/admin/plugins/deny-teapot", null).statusCode()).isEqualTo(204);
        HttpResponse<String> after = node.get("/orders/tea");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(node.admin("GET", "/admin/plugins", null).body()).doesNotContain("deny-teapot");
        assertThat(node.admin("DELETE", "/admin/plugins/deny-teapot", null).statusCode()).isEqualTo(404);
    }

    @Test
    void brokenJarIsRefusedWithAClearErrorAndTheNodeKeepsServing() throws Exception {
        Files.write(plugins.resolve("broken.jar"), new byte[]{'n', 'o', 't', ' ', 'a', ' ', 'j', 'a', 'r'});

        HttpResponse<String> r = node.admin("POST", "/admin/plugins", "{\"file\":\"broken.jar\"}");

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("\"code\":\"plugin_refused\"", "broken.jar");
        assertThat(node.get("/orders/1").statusCode()).isEqualTo(200);
        assertThat(node.admin("GET", "/admin/plugins", null).body()).contains("\"state\":\"failed\"");
        Files.delete(plugins.resolve("broken.jar"));
    }

    @Test
    void stageOrderConflictIsRefusedNamingBothStages() {
        Path jar = PluginJars.build(tmp.resolve("work"), plugins.resolve("clash.jar"), "clash",
                Map.of("test.plugin.Clash", PluginJars.stageSource("Clash", "clash", "TRANSFORM", 900,
                        "return Decision.proceed();")), List.of("test.plugin.Clash"));

        HttpResponse<String> r = node.admin("POST", "/admin/plugins", "{\"file\":\"" + jar.getFileName() + "\"}");

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("duplicate stage order (transform, 900)", "'response-header'", "'clash'");
        assertThat(node.get("/orders/1").headers().firstValue("x-served-by")).hasValue("keyway");
    }

    @Test
    void throwingStageAnswers500WithRequestIdAndTheNodeKeepsServing() {
        Path jar = PluginJars.build(tmp.resolve("work"), plugins.resolve("thrower.jar"), "thrower",
                Map.of("test.plugin.Thrower", PluginJars.stageSource("Thrower", "thrower", "POLICY", 1,
                        "if (exchange.path().endsWith(\"/boom\")) throw new IllegalStateException(\"secret detail\");"
                                + " return Decision.proceed();")), List.of("test.plugin.Thrower"));
        assertThat(node.admin("POST", "/admin/plugins", "{\"file\":\"" + jar.getFileName() + "\"}").statusCode())
                .isEqualTo(201);
        try {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> boom = node.get("/orders/boom");
                assertThat(boom.statusCode()).isEqualTo(500);
                String requestId = boom.headers().firstValue("x-request-id").orElseThrow();
                assertThat(boom.body()).contains("\"code\":\"internal_error\"", "\"requestId\":\"" + requestId + "\"")
                        .doesNotContain("secret detail", "IllegalStateException", "at dev.");
                assertThat(node.get("/orders/fine").statusCode()).isEqualTo(200);
            }
        } finally {
            node.admin("DELETE", "/admin/plugins/thrower", null);
        }
    }

    private Path denyPlugin(String id, String cls, int status, String code, String message) {
        return PluginJars.build(tmp.resolve("work-" + cls), plugins.resolve(id + ".jar"), id,
                Map.of("test.plugin." + cls, PluginJars.stageSource(cls, id, "AUTHORIZE", 50,
                        "return exchange.path().endsWith(\"/tea\") ? Decision.respond(" + status + ", \"" + code
                                + "\", \"" + message + "\") : Decision.proceed();")),
                List.of("test.plugin." + cls));
    }
}
