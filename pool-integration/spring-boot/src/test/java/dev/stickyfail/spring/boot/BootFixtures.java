package dev.stickyfail.spring.boot;

import dev.stickyfail.testkit.ServerGroup;
import org.springframework.test.context.DynamicPropertyRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** What the Spring Boot tests against real servers share. */
final class BootFixtures {

    private BootFixtures() {
    }

    /** The application's DataSource on the group, probing with the probe user (so app sessions are the pool's). */
    static void datasource(DynamicPropertyRegistry registry, ServerGroup group) {
        registry.add("spring.datasource.url", () -> "jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database());
        registry.add("spring.datasource.username", group::appUser);
        registry.add("spring.datasource.password", group::appPassword);
        registry.add("stickyfail.check-user", group::probeUser);
        registry.add("stickyfail.check-password", group::probePassword);
    }

    /** A small JSON-over-HTTP client for the actuator. */
    static final class Http {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final JsonMapper json = JsonMapper.builder().build();

        JsonNode get(int port, String path) throws IOException, InterruptedException {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
            }
            return json.readTree(r.body());
        }

        /** The body of any answer, e.g. the 503 of a health endpoint that is DOWN. */
        JsonNode getAnyStatus(int port, String path) throws IOException, InterruptedException {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return json.readTree(r.body());
        }

        HttpResponse<String> post(int port, String path, String body) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
