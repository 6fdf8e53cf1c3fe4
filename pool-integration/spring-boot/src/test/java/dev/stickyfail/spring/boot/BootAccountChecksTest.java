package dev.stickyfail.spring.boot;

import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Boot application whose DataSource uses the application's account only ({@code GRANT ALL ON app.*}, no
 * {@code stickyfail.check-user}) and turns on the read-only fence: the health details name the features that account
 * cannot run, with the {@code GRANT} that enables each, and the status stays {@code UP}.
 */
@MariaDbGroupTest(size = 2)
@SpringBootTest(classes = BootAccountChecksTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.name=boot-rights",
                "stickyfail.fence-read-only=true",
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always"})
@DirtiesContext
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BootAccountChecksTest {

    static ServerGroup group;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @BeforeAll
    static void servers(ServerGroup servers) {
        group = servers;
    }

    @DynamicPropertySource
    static void datasource(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database());
        registry.add("spring.datasource.username", group::appUser);
        registry.add("spring.datasource.password", group::appPassword);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    private final BootFixtures.Http http = new BootFixtures.Http();

    @Test
    void theHealthDetailsNameEachFeatureTheAccountCannotRunWithItsGrant() throws Exception {
        assertThat(jdbc.queryForObject("SELECT 1", Integer.class)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                http.get(port, "/actuator/health/stickyfail").at("/details/unavailableFeatures").size() > 0);
        JsonNode health = http.get(port, "/actuator/health/stickyfail");
        assertThat(health.at("/status").asString()).isEqualTo("UP");
        List<String> features = new ArrayList<>();
        for (JsonNode f : health.at("/details/unavailableFeatures")) {
            features.add(f.at("/feature").asString());
            assertThat(f.at("/account").asString()).isEqualTo("'" + group.appUser() + "'@'%'");
            assertThat(f.at("/grant").asString()).startsWith("GRANT ").endsWith(" ON *.* TO '" + group.appUser() + "'@'%'");
            assertThat(f.at("/detail").asString()).isNotEmpty().doesNotContain(group.appPassword());
        }
        assertThat(features).containsExactly("full catch-up", "errant-transaction report", "read-only fence");
    }
}
