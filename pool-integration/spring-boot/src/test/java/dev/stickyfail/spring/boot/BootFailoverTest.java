package dev.stickyfail.spring.boot;

import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Spring Boot application on the starter, against real servers: health, the endpoint and the meters before and after
 * the primary is killed; the endpoint's write operations are refused (they are off by default).
 */
@MariaDbGroupTest(size = 2)
@SpringBootTest(classes = BootFailoverTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.name=boot-app",
                "management.endpoints.web.exposure.include=health,stickyfail,metrics",
                "management.endpoint.health.show-details=always"})
@DirtiesContext
class BootFailoverTest {

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

    @Test
    void theSwitchIsVisibleInHealthTheEndpointAndTheMetersWritesAreRefusedAndNoUsableServerIsDown() throws Exception {
        String db0 = group.server(0).hostAndPort();
        String db1 = group.server(1).hostAndPort();
        assertThat(jdbc.queryForObject("SELECT @@server_id", Long.class)).isEqualTo(group.server(0).serverId());

        JsonNode health = http.get(port, "/actuator/health");
        assertThat(health.at("/status").asString()).isEqualTo("UP");
        JsonNode sf = health.at("/components/stickyfail");
        assertThat(sf.at("/status").asString()).isEqualTo("UP");
        assertThat(sf.at("/details/group").asString()).isEqualTo("boot-app");
        assertThat(sf.at("/details/activeServer").asString()).isEqualTo(db0);
        long epoch = sf.at("/details/epoch").asLong();
        assertThat(epoch).isPositive();
        assertThat(sf.at("/details/servers").propertyNames()).containsExactly(db0, db1);

        assertThat(sf.at("/details/routeUsable").asBoolean()).isTrue();
        assertThat(sf.at("/details/coordination/leaseHeld").asBoolean()).isTrue();
        assertThat(sf.at("/details/coordination/shared").asBoolean()).isFalse();
        assertThat(sf.at("/details/coordination/store").asString()).contains("local");

        JsonNode endpoint = http.get(port, "/actuator/stickyfail");
        assertThat(endpoint.at("/groups/boot-app/activeServer").asString()).isEqualTo(db0);
        assertThat(endpoint.at("/groups/boot-app/coordination/leaseHeld").asBoolean()).isTrue();
        assertThat(endpoint.at("/groups/boot-app/errantTransactions").isArray()).isTrue();
        assertThat(http.get(port, "/actuator/stickyfail/boot-app").at("/epoch").asLong()).isEqualTo(epoch);

        int refused = http.post(port, "/actuator/stickyfail/switchTo", "{\"server\":\"" + db1 + "\"}").statusCode();
        assertThat(refused).as("write operations are off by default").isBetween(400, 499);
        assertThat(http.get(port, "/actuator/stickyfail/boot-app").at("/activeServer").asString()).isEqualTo(db0);

        group.server(0).kill();
        // health answers 503 (OUT_OF_SERVICE) while the switch runs: nothing is handed out then
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                db1.equals(http.get(port, "/actuator/health").at("/components/stickyfail/details/activeServer").asString()));

        JsonNode after = http.get(port, "/actuator/stickyfail/boot-app");
        assertThat(after.at("/epoch").asLong()).isEqualTo(epoch + 1);
        assertThat(after.at("/servers/" + db0.replace("/", "~1") + "/state").asString()).isEqualTo("DOWN");
        assertThat(after.at("/decision/reason").asString()).containsIgnoringCase("marked down");
        assertThat(http.get(port, "/actuator/health").at("/components/stickyfail/status").asString()).isEqualTo("UP");

        JsonNode switches = http.get(port, "/actuator/metrics/stickyfail.switches?tag=group:boot-app&tag=reason:marked-down");
        assertThat(switches.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
        JsonNode active = http.get(port, "/actuator/metrics/stickyfail.server.active?tag=group:boot-app&tag=server:" + db1);
        assertThat(active.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
        JsonNode took = http.get(port, "/actuator/metrics/stickyfail.switch.duration?tag=group:boot-app&tag=reason:marked-down");
        assertThat(took.at("/measurements/0/value").asDouble()).as("count").isEqualTo(1.0);
        JsonNode hikari = http.get(port, "/actuator/metrics/hikaricp.connections?tag=pool:boot-app");
        assertThat(hikari.at("/name").asString()).as("Boot's own pool meters, tagged with the same name")
                .isEqualTo("hikaricp.connections");

        assertThat(jdbc.queryForObject("SELECT @@server_id", Long.class)).isEqualTo(group.server(1).serverId());

        // the decided server is up but unusable here (maintenance, nowhere to switch): the instance fails closed
        dev.stickyfail.admin.GroupAdmin admin = dev.stickyfail.StickyFail.group("boot-app").orElseThrow();
        admin.setMaintenance(db1, true);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "OUT_OF_SERVICE".equals(http.getAnyStatus(port, "/actuator/health/stickyfail").at("/status").asString()));
        JsonNode closed = http.getAnyStatus(port, "/actuator/health/stickyfail").at("/details");
        assertThat(closed.at("/routeUsable").asBoolean()).isFalse();
        assertThat(closed.at("/servers/" + db1 + "/state").asString()).isEqualTo("UP");
        admin.ready(db1);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "UP".equals(http.getAnyStatus(port, "/actuator/health/stickyfail").at("/status").asString()));

        // the contributor alone: the whole health would also wait for the db check's connection (failoverTimeout)
        group.server(1).kill();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "DOWN".equals(http.getAnyStatus(port, "/actuator/health/stickyfail").at("/status").asString()));
        JsonNode none = http.getAnyStatus(port, "/actuator/health/stickyfail").at("/details");
        assertThat(none.at("/servers/" + db1 + "/state").asString()).isEqualTo("DOWN");
    }

    private final BootFixtures.Http http = new BootFixtures.Http();
}
