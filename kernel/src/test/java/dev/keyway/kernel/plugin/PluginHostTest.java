package dev.keyway.kernel.plugin;

import dev.keyway.kernel.config.PluginsConfig;
import dev.keyway.kernel.config.RingConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.kernel.testing.PluginJars;
import dev.keyway.spi.Decision;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The plugin host on a real ring with real plugin JARs, without a node: the authentication guarantee of
 * {@code keyway.plugins.required}, replacement by plugin id, and cleanup when a stage throws an Error.
 */
class PluginHostTest {
    @TempDir
    Path tmp;
    private Ring ring;
    private PluginHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
        if (ring != null) {
            ring.close();
        }
    }

    @Test
    void startUpRefusesAChainWithoutAnAuthenticateStageWhilePluginsAreRequired() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        denying(plugins.resolve("ident.jar"), "ident", "IDENTIFY", "ident");

        PluginException refused = catchThrowableOfType(PluginException.class, () -> start(plugins, "ident"));

        assertThat(refused).as("start-up refused").isNotNull();
        assertThat(refused.kind()).isEqualTo(PluginException.Kind.REFUSED);
        assertThat(refused.getMessage()).contains("no stage in the authenticate phase", "keyway.plugins.required");
        assertThat(ring.chain().entries()).as("nothing was ever swapped in").isEmpty();

        close();
        start(plugins);
        assertThat(code()).as("no required plugins: no authentication needed").isEqualTo("ident");
    }

    @Test
    void reloadOrLoadThatDropsAuthenticationIsRefusedAndTheServingVersionStays() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path jar = denying(plugins.resolve("gate.jar"), "gate", "AUTHENTICATE", "v1");
        start(plugins, "gate");
        assertThat(code()).isEqualTo("v1");

        denying(jar, "gate", "AUTHORIZE", "v2");
        PluginException reload = catchThrowableOfType(PluginException.class, () -> host.reload("gate"));
        assertThat(reload).isNotNull();
        assertThat(reload.kind()).as("422 plugin_refused").isEqualTo(PluginException.Kind.REFUSED);
        assertThat(reload.getMessage()).contains("gate.jar", "no stage in the authenticate phase");
        assertThat(code()).as("version 1 keeps serving").isEqualTo("v1");
        assertThat(host.list()).anySatisfy(p -> assertThat(p.error()).contains("authenticate"));

        denying(plugins.resolve("gate-2.jar"), "gate", "AUTHORIZE", "v2");
        PluginException load = catchThrowableOfType(PluginException.class, () -> host.load("gate-2.jar"));
        assertThat(load).isNotNull();
        assertThat(load.kind()).isEqualTo(PluginException.Kind.REFUSED);
        assertThat(code()).isEqualTo("v1");
        assertThat(copies()).as("refused versions leave no copy behind").hasSize(1);
    }

    @Test
    void unloadThatDropsAuthenticationIsRefused() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        denying(plugins.resolve("gate.jar"), "gate", "AUTHENTICATE", "gate");
        denying(plugins.resolve("ident.jar"), "ident", "IDENTIFY", "ident");
        start(plugins, "ident");

        PluginException unload = catchThrowableOfType(PluginException.class, () -> host.unload("gate"));

        assertThat(unload).isNotNull();
        assertThat(unload.kind()).isEqualTo(PluginException.Kind.REFUSED);
        assertThat(unload.getMessage()).contains("'gate'", "no stage in the authenticate phase");
        assertThat(code()).isEqualTo("gate");
        assertThat(host.list()).extracting(PluginInfo::id).containsExactly("gate", "ident");
    }

    @Test
    void aJarWithTheIdOfALoadedPluginUnderAnotherFileNameReplacesThatPlugin() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path old = denying(plugins.resolve("gate-0.1.0.jar"), "gate", "AUTHENTICATE", "v1");
        start(plugins, "gate");
        assertThat(code()).isEqualTo("v1");

        denying(plugins.resolve("gate-0.2.0.jar"), "gate", "AUTHENTICATE", "v2");
        PluginInfo loaded = host.load("gate-0.2.0.jar");

        assertThat(loaded.id()).isEqualTo("gate");
        assertThat(loaded.file()).isEqualTo("gate-0.2.0.jar");
        assertThat(code()).isEqualTo("v2");
        assertThat(host.list()).extracting(PluginInfo::file).containsExactly("gate-0.2.0.jar");
        assertThat(host.idOf(old)).as("the old file serves nothing now").isNull();
        assertThat(copies()).as("the old version's copy is deleted").hasSize(1);
        Files.delete(old);
        assertThat(host.reload("gate").file()).isEqualTo("gate-0.2.0.jar");
    }

    @Test
    void stageStartThrowingAnErrorIsRefusedAndLeavesNothingBehind() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        start(plugins);
        System.clearProperty("keyway.test.asserts.stopped");
        asserting(plugins.resolve("asserts.jar"));

        assertThatThrownBy(() -> host.load("asserts.jar")).isInstanceOf(PluginException.class)
                .hasMessageContaining("asserts.jar").hasMessageContaining("start blew up");

        assertThat(System.getProperty("keyway.test.asserts.stopped")).as("the stage that started was stopped")
                .isEqualTo("true");
        assertThat(copies()).as("the private copy is deleted").isEmpty();
        assertThat(host.list()).singleElement().satisfies(p -> {
            assertThat(p.state()).isEqualTo("failed");
            assertThat(p.error()).contains("start blew up");
        });
        assertThat(ring.chain().entries()).isEmpty();
    }

    @Test
    void stageStopThrowingAnErrorDoesNotFailTheReloadNorLeakTheOldCopy() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        start(plugins);
        PluginJars.build(tmp.resolve(UUID.randomUUID().toString()), plugins.resolve("sticky.jar"), "sticky",
                Map.of("test.plugin.Sticky", PluginJars.stageSource("Sticky", "sticky", "POLICY", 1,
                        "return Decision.respond(409, \"sticky\", \"sticky\");").replace("public int order()",
                        "public void stop() { throw new AssertionError(\"stop blew up\"); }\n    public int order()")),
                List.of("test.plugin.Sticky"));
        host.load("sticky.jar");

        assertThat(host.reload("sticky").state()).isEqualTo("started");
        assertThat(code()).isEqualTo("sticky");
        assertThat(copies()).as("the old version's copy is deleted").hasSize(1);
        host.unload("sticky");
        assertThat(copies()).isEmpty();
    }

    private void start(Path plugins, String... required) {
        ring = new Ring(new RingConfig(64, 1, "lite-blocking"), new Metrics());
        host = new PluginHost(new PluginsConfig(plugins, false, List.of(required), Map.of()),
                new InMemoryDirectories().directories(), ring);
        host.start();
    }

    /** The decision code of a request on the current chain, or "proceed". */
    private String code() {
        return code(ring);
    }

    static String code(Ring ring) {
        try {
            Decision d = ring.submit(new TestExchange()).get(5, TimeUnit.SECONDS);
            return d instanceof Decision.Respond r ? r.code() : "proceed";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Path> copies() throws IOException {
        if (host.copies() == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(host.copies())) {
            return files.toList();
        }
    }

    /** A plugin whose one stage, in this phase, answers 401 with this code. */
    static Path denying(Path target, String id, String phase, String code) {
        String cls = "Deny" + Math.abs(target.getFileName().toString().hashCode());
        return PluginJars.build(target.getParent().resolveSibling("work-" + UUID.randomUUID()), target, id,
                Map.of("test.plugin." + cls, PluginJars.stageSource(cls, id, phase, 1,
                        "return Decision.respond(401, \"" + code + "\", \"" + code + "\");")),
                List.of("test.plugin." + cls));
    }

    /** A plugin with a stage that starts (and records its stop) and then one whose start throws an Error. */
    static Path asserting(Path target) {
        String fine = PluginJars.stageSource("Fine", "fine", "POLICY", 1, "return Decision.proceed();")
                .replace("@org.pf4j.Extension", "@org.pf4j.Extension(ordinal = 1)")
                .replace("public int order()", "public void stop() {"
                        + " System.setProperty(\"keyway.test.asserts.stopped\", \"true\"); }\n    public int order()");
        String broken = PluginJars.stageSource("Broken", "broken", "POLICY", 2, "return Decision.proceed();")
                .replace("@org.pf4j.Extension", "@org.pf4j.Extension(ordinal = 2)")
                .replace("public int order()", "public void start(StageContext c) {"
                        + " throw new AssertionError(\"start blew up\"); }\n    public int order()");
        return PluginJars.build(target.getParent().resolveSibling("work-" + UUID.randomUUID()), target, "asserts",
                Map.of("test.plugin.Fine", fine, "test.plugin.Broken", broken),
                List.of("test.plugin.Fine", "test.plugin.Broken"));
    }
}
