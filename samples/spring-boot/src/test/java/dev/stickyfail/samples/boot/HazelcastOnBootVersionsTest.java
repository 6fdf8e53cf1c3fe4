package dev.stickyfail.samples.boot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The shared decision with the Hazelcast Spring Boot 4.0 manages (5.5.0, Community: no CP Subsystem): the application
 * does not start, and says in one line which version it found and which property to set. No database is needed: it
 * fails before any connection.
 */
class HazelcastOnBootVersionsTest {

    @TempDir
    Path dir;

    @Test
    void anEmbeddedMemberOnBootsHazelcastStopsTheApplicationInOneLine() throws IOException {
        Path member = Files.writeString(dir.resolve("member.yaml"), """
                hazelcast:
                  cluster-name: boot-managed
                  cp-subsystem:
                    cp-member-count: 3
                """);

        String message = startupFailure("--stickyfail.hazelcast.config=" + member);

        assertThat(message).contains("Hazelcast " + System.getProperty("boot.hazelcast.version") + " Community",
                "hazelcast.version=5.4.0", "stickyfail.hazelcast.config=" + member).doesNotContain("\n");
    }

    @Test
    void aClientOnBootsHazelcastStopsTheApplicationInOneLine() throws IOException {
        Path client = Files.writeString(dir.resolve("client.yaml"), """
                hazelcast-client:
                  cluster-name: boot-managed
                  network:
                    cluster-members:
                      - 127.0.0.1:5701
                """);

        String message = startupFailure("--stickyfail.hazelcast.client-config=" + client);

        assertThat(message).contains("Hazelcast client", "Hazelcast " + System.getProperty("boot.hazelcast.version")
                + " Community", "hazelcast.version=5.4.0").doesNotContain("\n");
    }

    private static String startupFailure(String hazelcastArg) {
        Throwable failure = catchThrowable(() -> SpringApplication.run(OrdersApplication.class,
                "--spring.datasource.url=jdbc:stickyfail:mysql://127.0.0.1:1,127.0.0.1:2/app",
                "--spring.datasource.username=app", "--server.port=0", "--stickyfail.group=boot-managed",
                "--stickyfail.store=hazelcast", hazelcastArg));
        assertThat(failure).as("the application must not start").isNotNull();
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
