package dev.keyway.kernel.testing;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds real PF4J plugin JARs in a temp folder: compiles Java sources against spi and PF4J, writes the
 * manifest and META-INF/extensions.idx, and packs the JAR.
 */
public final class PluginJars {
    private PluginJars() {
    }

    /**
     * @param work      scratch folder
     * @param target    the JAR to write
     * @param pluginId  Plugin-Id
     * @param sources   fully qualified class name to Java source
     * @param extensions class names listed in extensions.idx
     */
    public static Path build(Path work, Path target, String pluginId, Map<String, String> sources,
                             List<String> extensions) {
        try {
            Path src = Files.createDirectories(work.resolve(pluginId + "-src"));
            Path classes = Files.createDirectories(work.resolve(pluginId + "-classes"));
            List<String> args = new ArrayList<>(List.of("-proc:none", "-d", classes.toString(),
                    "-cp", System.getProperty("java.class.path")));
            for (var e : sources.entrySet()) {
                Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
                args.add(file.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            if (javac.run(null, null, err, args.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("plugin source does not compile:\n" + err);
            }
            Manifest manifest = new Manifest();
            Attributes a = manifest.getMainAttributes();
            a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            a.putValue("Plugin-Id", pluginId);
            a.putValue("Plugin-Version", "1.0.0");
            Files.createDirectories(target.getParent());
            Path tmp = work.resolve(pluginId + ".jar.tmp");
            try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jar = new JarOutputStream(out, manifest);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    jar.write(Files.readAllBytes(f));
                    jar.closeEntry();
                }
                jar.putNextEntry(new JarEntry("META-INF/extensions.idx"));
                jar.write((String.join("\n", extensions) + "\n").getBytes());
                jar.closeEntry();
            }
            // Move into place in one step so a watched folder never sees a half-written JAR.
            return Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Source of a stage class in package {@code test.plugin} with the given phase, order and apply body. */
    public static String stageSource(String className, String name, String phase, int order, String applyBody) {
        return """
                package test.plugin;

                import dev.keyway.spi.*;

                @org.pf4j.Extension
                public class %s implements Stage {
                    public String name() { return "%s"; }
                    public Phase phase() { return Phase.%s; }
                    public int order() { return %d; }
                    public Decision apply(Exchange exchange) {
                        %s
                    }
                }
                """.formatted(className, name, phase, order, applyBody);
    }
}
