package dev.keyway.kernel;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/** The house's boundaries: spi sees only the JDK and PF4J; plugins only spi; the kernel never a plugin. */
class ArchitectureTest {

    @Test
    void spiDependsOnlyOnTheJdkAndPf4j() {
        JavaClasses spi = new ClassFileImporter().importPackages("dev.keyway.spi");
        assertThat(spi).isNotEmpty();
        classes().that().resideInAPackage("dev.keyway.spi..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "org.pf4j..", "dev.keyway.spi..")
                .check(spi);
    }

    @Test
    void builtInPluginsDependOnlyOnSpi() throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(TestNode.root().resolve("build/plugins"))) {
            jars = files.filter(f -> f.toString().endsWith(".jar")).toList();
        }
        assertThat(jars).as("built-in plugin JARs").isNotEmpty();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                JavaClasses plugin = new ClassFileImporter().importJar(file);
                assertThat(plugin).as(jar.toString()).isNotEmpty();
                classes().should().onlyDependOnClassesThat()
                        .resideInAnyPackage("java..", "dev.keyway.spi..", "org.pf4j..", plugin.iterator().next()
                                .getPackageName() + "..")
                        .check(plugin);
            }
        }
    }

    @Test
    void kernelNeverDependsOnAPluginModule() {
        JavaClasses kernel = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.keyway.kernel");
        assertThat(kernel).isNotEmpty();
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.keyway.plugins..").check(kernel);
    }
}
