package dev.stickyfail.spring.boot;

import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The endpoint's write operations once an administrator enabled them with Boot's endpoint access property. */
@MariaDbGroupTest(size = 2)
@SpringBootTest(classes = BootAdminWriteTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.name=boot-admin",
                "management.endpoints.web.exposure.include=health,stickyfail",
                "management.endpoint.stickyfail.access=unrestricted", "management.endpoint.health.show-details=always"})
@DirtiesContext
class BootAdminWriteTest {

    static ServerGroup group;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @BeforeAll
    static void servers(ServerGroup servers) {
        group = servers;
    }

    @AfterAll
    static void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @DynamicPropertySource
    static void datasource(DynamicPropertyRegistry registry) {
        BootFixtures.datasource(registry, group);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    private final BootFixtures.Http http = new BootFixtures.Http();

    @Test
    void enabledWriteOperationsSwitchDrainAndRefuseWhatCannotBeDone() throws Exception {
        String db0 = group.server(0).hostAndPort();
        String db1 = group.server(1).hostAndPort();
        assertThat(jdbc.queryForObject("SELECT @@server_id", Long.class)).isEqualTo(group.server(0).serverId());

        HttpResponse<String> switched = http.post(port, "/actuator/stickyfail/switchTo", "{\"server\":\"" + db1 + "\"}");
        assertThat(switched.statusCode()).as(switched.body()).isEqualTo(200);
        assertThat(switched.body()).contains("\"activeServer\":\"" + db1 + "\"");
        assertThat(jdbc.queryForObject("SELECT @@server_id", Long.class)).isEqualTo(group.server(1).serverId());

        HttpResponse<String> drained = http.post(port, "/actuator/stickyfail/drain", "{\"server\":\"" + db0 + "\"}");
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(http.get(port, "/actuator/stickyfail/boot-admin").at("/servers/" + db0 + "/adminState").asString())
                .isEqualTo("DRAIN");
        HttpResponse<String> backToDrained = http.post(port, "/actuator/stickyfail/switchTo", "{\"server\":\"" + db0 + "\"}");
        assertThat(backToDrained.statusCode()).as("a drained server is never chosen").isEqualTo(400);
        assertThat(http.post(port, "/actuator/stickyfail/ready", "{\"server\":\"" + db0 + "\"}").statusCode()).isEqualTo(200);

        assertThat(http.post(port, "/actuator/stickyfail/switchTo", "{\"server\":\"nowhere:1\"}").statusCode()).isEqualTo(400);
        assertThat(http.post(port, "/actuator/stickyfail/reboot", "{\"server\":\"" + db0 + "\"}").statusCode()).isEqualTo(400);
        assertThat(http.get(port, "/actuator/health").at("/components/stickyfail/details/activeServer").asString())
                .isEqualTo(db1);
    }
}
