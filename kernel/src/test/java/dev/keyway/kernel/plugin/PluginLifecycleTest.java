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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

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
        Path jar = denyPlugin("deny-teapot", "DenyTeapot", 50, "/tea", 418, "teapot", "short and stout");
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
        denyPlugin("deny-teapot", "DenyTeapot2", 50, "/tea", 451, "teapot_v2", "second version");
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

    @Test
    void replacementThatCannotLoadStartOrBeOrderedIsRefusedAndThePreviousVersionKeepsServing() throws Exception {
        Path jar = denyPlugin("deny-mug", "DenyMug", 51, "/mug", 418, "mug", "first version");
        assertThat(node.admin("POST", "/admin/plugins", "{\"file\":\"deny-mug.jar\"}").statusCode()).isEqualTo(201);
        try {
            assertThat(node.get("/orders/mug").statusCode()).isEqualTo(418);
            int before = upstream.received().size();

            // Overwritten in place with something that is not a JAR.
            Files.write(jar, "not a jar".getBytes());
            assertRefusedAndStillDenying(node.admin("POST", "/admin/plugins/deny-mug/reload", null), "deny-mug.jar");

            // A JAR whose stage throws in start.
            PluginJars.build(tmp.resolve("work-DenyMugStart"), jar, "deny-mug", Map.of("test.plugin.DenyMugStart",
                    PluginJars.stageSource("DenyMugStart", "deny-mug", "AUTHORIZE", 51, "return Decision.proceed();")
                            .replace("public int order()", "public void start(StageContext c) {"
                                    + " throw new IllegalArgumentException(\"deny-mug.x: 0 (expected: > 0)\"); }\n"
                                    + "    public int order()")), List.of("test.plugin.DenyMugStart"));
            assertRefusedAndStillDenying(node.admin("POST", "/admin/plugins/deny-mug/reload", null),
                    "deny-mug.x: 0 (expected: > 0)");

            // A JAR whose stage clashes with response-header's (phase, order), through a load of the same file.
            PluginJars.build(tmp.resolve("work-DenyMugClash"), jar, "deny-mug", Map.of("test.plugin.DenyMugClash",
                    PluginJars.stageSource("DenyMugClash", "deny-mug", "TRANSFORM", 900, "return Decision.proceed();")),
                    List.of("test.plugin.DenyMugClash"));
            assertRefusedAndStillDenying(node.admin("POST", "/admin/plugins", "{\"file\":\"deny-mug.jar\"}"),
                    "duplicate stage order (transform, 900)");

            assertThat(upstream.received()).as("nothing reached the upstream").hasSize(before);
            assertThat(node.admin("GET", "/admin/plugins", null).body()).contains("\"id\":\"deny-mug\"");
        } finally {
            node.admin("DELETE", "/admin/plugins/deny-mug", null);
        }
    }

    @Test
    void requestsNeverPassWithoutThePluginWhileItIsReloaded() throws Exception {
        denyPlugin("deny-cup", "DenyCup", 52, "/cup", 418, "cup", "not here");
        assertThat(node.admin("POST", "/admin/plugins", "{\"file\":\"deny-cup.jar\"}").statusCode()).isEqualTo(201);
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        AtomicBoolean reloading = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            clients.add(Thread.ofVirtual().start(() -> {
                while (reloading.get()) {
                    statuses.add(node.get("/orders/cup").statusCode());
                }
            }));
        }
        try {
            for (int i = 0; i < 8; i++) {
                assertThat(node.admin("POST", "/admin/plugins/deny-cup/reload", null).statusCode()).isEqualTo(200);
            }
        } finally {
            reloading.set(false);
            for (Thread c : clients) {
                c.join();
            }
            node.admin("DELETE", "/admin/plugins/deny-cup", null);
        }
        assertThat(statuses).isNotEmpty().containsOnly(418);
    }

    private void assertRefusedAndStillDenying(HttpResponse<String> reload, String cause) {
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(422);
        assertThat(reload.body()).contains("\"code\":\"plugin_refused\"", "deny-mug", cause);
        HttpResponse<String> next = node.get("/orders/mug");
        assertThat(next.statusCode()).as("the previous version still applies").isEqualTo(418);
        assertThat(next.body()).contains("first version");
    }

    private Path denyPlugin(String id, String cls, int order, String suffix, int status, String code,
                            String message) {
        return PluginJars.build(tmp.resolve("work-" + cls), plugins.resolve(id + ".jar"), id,
                Map.of("test.plugin." + cls, PluginJars.stageSource(cls, id, "AUTHORIZE", order,
                        "return exchange.path().endsWith(\"" + suffix + "\") ? Decision.respond(" + status + ", \""
                                + code + "\", \"" + message + "\") : Decision.proceed();")),
                List.of("test.plugin." + cls));
    }
}
