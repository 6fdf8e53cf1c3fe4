package dev.stickyfail.samples.boot;

import com.hazelcast.instance.BuildInfoProvider;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.internal.ConnectorJ;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * This module resolves what a Boot application resolves: the versions the tests here run are the ones Spring Boot's
 * dependency management chose (passed in by the pom from Boot's own properties), not stickyfail-parent's pins.
 */
class BootManagedVersionsTest {

    @Test
    void theLibrariesOnTheClassPathAreTheOnesBootManages() {
        assertThat(ConnectorJ.version()).isEqualTo(System.getProperty("boot.mysql.version"));
        assertThat(BuildInfoProvider.getBuildInfo().getVersion()).isEqualTo(System.getProperty("boot.hazelcast.version"));
        assertThat(jarOf(HikariDataSource.class)).endsWith("HikariCP-" + System.getProperty("boot.hikaricp.version") + ".jar");
        assertThat(jarOf(MeterRegistry.class)).endsWith("micrometer-core-" + System.getProperty("boot.micrometer.version")
                + ".jar");
    }

    @Test
    void theBootVersionIsTheParentPomsAndTheBomPinsTheParentPomsHazelcast() throws IOException {
        String parent = Files.readString(Path.of("../../pom.xml"));
        String bom = Files.readString(Path.of("../../bom/pom.xml"));

        assertThat(SpringBootVersion.getVersion()).isEqualTo(property(parent, "spring-boot.version"));
        assertThat(property(bom, "hazelcast.version")).isEqualTo(property(parent, "hazelcast.version"));
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as(name + " in the pom").isTrue();
        return m.group(1).trim();
    }

    private static String jarOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation().getPath();
    }
}
