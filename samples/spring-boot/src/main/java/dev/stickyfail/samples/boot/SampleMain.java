package dev.stickyfail.samples.boot;

import dev.stickyfail.testkit.ServerGroup;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Starts two embedded MariaDB servers (the testkit's, master-master), then {@link OrdersApplication} on them through
 * {@code jdbc:stickyfail:}, sends it orders, shows {@code /actuator/health/stickyfail} and {@code /actuator/stickyfail},
 * kills the primary, and shows them again. {@code --keep-running} leaves the service up afterwards for you to curl;
 * {@code --server.port=N} picks its port (default 8080). Exit code 0 when the service switched and kept taking orders.
 */
public final class SampleMain {

    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    SampleMain(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        boolean keep = Arrays.asList(args).contains("--keep-running");
        String[] springArgs = Arrays.stream(args).filter(a -> !a.equals("--keep-running")).toArray(String[]::new);
        int code = new SampleMain(System.out).run(springArgs, keep);
        System.exit(code);
    }

    int run(String[] springArgs, boolean keepRunning) {
        out.println("Starting two MariaDB servers (master-master replication) ...");
        ServerGroup group = ServerGroup.start(2);
        ConfigurableApplicationContext app = null;
        try {
            String url = "jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database();
            List<String> args = new ArrayList<>(List.of(
                    "--spring.datasource.url=" + url,
                    "--spring.datasource.username=" + group.appUser(),
                    "--spring.datasource.password=" + group.appPassword()));
            args.addAll(Arrays.asList(springArgs));
            out.println("db0 = " + group.server(0).hostAndPort() + " (primary), db1 = " + group.server(1).hostAndPort());
            out.println("Starting the service with spring.datasource.url=" + url);
            app = SpringApplication.run(OrdersApplication.class, args.toArray(String[]::new));
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            String base = "http://127.0.0.1:" + port;
            out.println("Service up on " + base);

            Orders orders = new Orders(base);
            orders.start();
            await(() -> orders.ok.get() >= 20, Duration.ofSeconds(30));
            section("Before: GET /actuator/health/stickyfail");
            out.println(pretty(get(base + "/actuator/health/stickyfail")));
            section("Before: GET /actuator/stickyfail");
            out.println(pretty(get(base + "/actuator/stickyfail")));
            String before = get(base + "/actuator/health/stickyfail").at("/details/activeServer").asString();

            section("Killing db0 (SIGKILL) while orders keep coming (" + orders.ok.get() + " written so far)");
            long killedAt = System.nanoTime();
            group.server(0).kill();
            boolean switched = await(() -> !before.equals(activeServer(base)), Duration.ofSeconds(30));
            out.printf("Active server after the kill: %s (%d ms after the kill)%n", activeServer(base),
                    (System.nanoTime() - killedAt) / 1_000_000);
            long okAtSwitch = orders.ok.get();
            boolean writing = await(() -> orders.ok.get() >= okAtSwitch + 20, Duration.ofSeconds(30));

            section("After: GET /actuator/health/stickyfail");
            out.println(pretty(get(base + "/actuator/health/stickyfail")));
            section("After: GET /actuator/stickyfail");
            out.println(pretty(get(base + "/actuator/stickyfail")));
            section("After: GET /actuator/metrics/stickyfail.switches?tag=reason:marked-down");
            out.println(pretty(get(base + "/actuator/metrics/stickyfail.switches?tag=reason:marked-down")));
            orders.stop();
            section("Orders");
            out.printf("written %d, failed %d (only orders in flight on db0 when it died may fail)%n",
                    orders.ok.get(), orders.failed.get());
            out.println(pretty(get(base + "/orders/stats")));

            boolean ok = switched && writing;
            out.println(ok ? "OK: the service switched to db1 and kept taking orders."
                    : "FAILED: " + (switched ? "no orders after the switch" : "no switch within 30 s"));
            if (keepRunning && ok) {
                out.println("Still running (Ctrl-C to stop). Try: curl -s " + base + "/actuator/stickyfail ; curl -s -X POST '"
                        + base + "/orders?item=pen'");
                group.server(0).start();
                LockSupport.park();
            }
            return ok ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            out.println("FAILED: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (app != null) {
                app.close();
            }
            group.close();
        }
    }

    private String activeServer(String base) {
        try {
            return get(base + "/actuator/health/stickyfail").at("/details/activeServer").asString();
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    private void section(String title) {
        out.println();
        out.println("=== " + title);
    }

    private JsonNode get(String uri) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return json.readTree(r.body());
    }

    private String pretty(JsonNode node) {
        return json.writeValueAsString(node);
    }

    /** Polls a condition (a demo's narration, not a test): true once it holds, false at the deadline. */
    private static boolean await(java.util.function.BooleanSupplier condition, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        return condition.getAsBoolean();
    }

    /** Four clients posting orders, each one after the other, as fast as the service answers (about 40 per second). */
    private final class Orders {
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final String base;

        Orders(String base) {
            this.base = base;
        }

        void start() {
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(this::loop, "orders-client-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void loop() {
            while (running.get()) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/orders?item=book"))
                            .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                            HttpResponse.BodyHandlers.ofString());
                    (r.statusCode() == 200 ? ok : failed).incrementAndGet();
                } catch (IOException e) {
                    failed.incrementAndGet();
                } catch (InterruptedException e) {
                    return;
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(25_000);
            }
        }
    }
}
