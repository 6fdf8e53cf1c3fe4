package dev.stickyfail.samples.shared;

import dev.stickyfail.StickyFail;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.hazelcast.StandaloneMember;
import dev.stickyfail.samples.boot.OrdersApplication;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * docs/several-instances.md, "Several services, one decision": a three-member standalone Hazelcast cluster (the member
 * jar's main class, in JVMs of their own) that two different services join as clients, over two real MariaDB masters:
 * <ul>
 *   <li>{@code orders}: the Spring sample application (Boot's HikariCP through the starter, {@code jdbcUrl}, user
 *       {@code app});</li>
 *   <li>{@code billing}: a plain HikariCP pool over {@code StickyFailDataSource} in another JVM, user {@code billing}.</li>
 * </ul>
 * Both name the same {@code stickyfail.group} and the same servers. The primary is killed: both end on the backup at
 * the same epoch, and the old primary has no row of either service written after the backup's first. A third service
 * that names the same servers under another group name is refused at start.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SeveralServicesOneDecisionTest {

    private static final String GROUP = "shop-db";
    private static final String BILLING_PASSWORD = "billing_Pw-77c1";

    private static ServerGroup servers;
    private static final List<Process> processes = new ArrayList<>();
    private static Path dir;
    private static Path clientFile;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createDirectories(Path.of("target", "several-services-" + System.currentTimeMillis())).toAbsolutePath();
        String cluster = "shop-" + UUID.randomUUID().toString().substring(0, 8);
        int[] ports = {freePort(), freePort(), freePort()};
        StringBuilder members = new StringBuilder();
        for (int p : ports) {
            members.append("          - 127.0.0.1:").append(p).append('\n');
        }
        for (int i = 0; i < 3; i++) {
            Path member = Files.writeString(dir.resolve("member-" + i + ".yaml"), """
                    hazelcast:
                      cluster-name: %s
                      network:
                        port:
                          auto-increment: false
                          port: %d
                        interfaces:
                          enabled: true
                          interfaces:
                            - 127.0.0.1
                        join:
                          auto-detection:
                            enabled: false
                          multicast:
                            enabled: false
                          tcp-ip:
                            enabled: true
                            member-list:
                    %s  cp-subsystem:
                        cp-member-count: 3
                    """.formatted(cluster, ports[i], members));
            processes.add(java(dir.resolve("member-" + i + ".log"), StandaloneMember.class.getName(), member.toString()));
        }
        clientFile = Files.writeString(dir.resolve("client.yaml"), """
                hazelcast-client:
                  cluster-name: %s
                  network:
                    cluster-members:
                %s""".formatted(cluster, members.toString().replace("          - ", "      - ")));
        servers = ServerGroup.start(2);
        // the cluster is there before the services: its CP Subsystem forms once all three members are up
        await().atMost(Duration.ofMinutes(3)).until(() -> {
            for (int i = 0; i < 3; i++) {
                Path log = dir.resolve("member-" + i + ".log");
                if (!Files.exists(log) || !Files.readString(log).contains("CP Subsystem ready")) {
                    return false;
                }
            }
            return true;
        });
        for (int i = 0; i < 2; i++) {
            try (Connection c = servers.adminConnection(i); Statement s = c.createStatement()) {
                s.execute("SET SESSION sql_log_bin = 0"); // each server gets the user itself
                s.execute("CREATE USER IF NOT EXISTS 'billing'@'%' IDENTIFIED BY '" + BILLING_PASSWORD + "'");
                s.execute("GRANT ALL PRIVILEGES ON `" + servers.database() + "`.* TO 'billing'@'%'");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void twoServicesWithTheirOwnPoolsAndUsersFollowOneDecisionAndFailOverTogether() throws Exception {
        String db0 = servers.server(0).hostAndPort();
        String db1 = servers.server(1).hostAndPort();
        List<String> billing = new CopyOnWriteArrayList<>();
        Process billingJvm = service(billing, GROUP, "run");
        ConfigurableApplicationContext orders = SpringApplication.run(OrdersApplication.class,
                "--spring.datasource.url=jdbc:stickyfail:mysql://" + servers.hostList() + "/" + servers.database()
                        + "?stickyfail.failoverTimeout=45s",
                "--spring.datasource.username=" + servers.appUser(),
                "--spring.datasource.password=" + servers.appPassword(),
                "--spring.datasource.name=" + GROUP,
                "--server.port=0",
                "--stickyfail.store=hazelcast",
                "--stickyfail.hazelcast.client-config=" + clientFile,
                "--stickyfail.lease=3s",
                // joining the cluster as a client took 12 s on the loaded test machine: more than the default 10 s
                "--spring.datasource.hikari.connection-timeout=60000");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong ordersWritten = new AtomicLong();
        Thread writer = new Thread(() -> {
            JdbcTemplate jdbc = orders.getBean(JdbcTemplate.class);
            while (writing.get()) {
                try {
                    jdbc.update("INSERT INTO orders (item, server_id) VALUES ('book', @@server_id)");
                    ordersWritten.incrementAndGet();
                } catch (RuntimeException e) {
                    // a write in flight at the switch fails (08S01/08007); the next one goes to the new server
                }
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            }
        }, "orders-writer");
        try {
            writer.start();
            GroupAdmin shop = StickyFail.group(GROUP).orElseThrow();
            await().atMost(Duration.ofMinutes(2)).conditionEvaluationListener(c -> {
                if (c.getRemainingTimeInMS() < 1000) {
                    System.out.println("orders written " + ordersWritten.get() + ", group " + shop.activeServer() + " epoch "
                            + shop.epoch() + " " + shop.coordination() + "; billing said:\n" + String.join("\n", billing));
                }
            }).until(() -> ordersWritten.get() > 20 && lastState(billing) != null);
            assertThat(shop.activeServer()).contains(db0);
            assertThat(lastState(billing)).isEqualTo(db0 + " " + shop.epoch());
            assertThat(shop.coordination().store()).contains("client of");

            servers.server(0).kill();

            await().atMost(Duration.ofMinutes(1)).until(() -> shop.activeServer().orElse("").equals(db1)
                    && (db1 + " " + shop.epoch()).equals(lastState(billing)));
            long epoch = shop.epoch();
            long before = ordersWritten.get();
            int billingLines = billing.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> ordersWritten.get() > before + 20
                    && billing.size() > billingLines + 10);
            assertThat(shop.epoch()).as("one decision: no further switch").isEqualTo(epoch);
            assertThat(lastState(billing)).as("billing follows the same decision").isEqualTo(db1 + " " + epoch);

            // a third service that names the same servers under another group name would make a second decision
            List<String> other = new CopyOnWriteArrayList<>();
            Process third = service(other, "shop", "once");
            assertThat(third.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(String.join("\n", other)).contains("ERROR 08001", "stickyfail.group=" + GROUP,
                    "two decisions for one server");

            writing.set(false);
            writer.join(10_000);
            billingJvm.destroy();
            billingJvm.waitFor(30, TimeUnit.SECONDS);

            servers.server(0).start();
            long db0Id = servers.server(0).serverId();
            long db1Id = servers.server(1).serverId();
            for (String table : List.of("orders", "payments")) {
                Timestamp firstOnBackup = firstRowOf(1, table, db1Id);
                Timestamp lastOnOldPrimary = lastRowOf(0, table, db0Id);
                assertThat(firstOnBackup).as(table + " written on the backup").isNotNull();
                assertThat(lastOnOldPrimary).as(table + " written on the primary before the kill").isNotNull();
                assertThat(lastOnOldPrimary).as(table + ": nothing written to the old primary after the backup's first write")
                        .isBefore(firstOnBackup);
            }
        } finally {
            writing.set(false);
            orders.close();
            billingJvm.destroyForcibly();
        }
    }

    private static String lastState(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("STATE ")) {
                return lines.get(i).substring("STATE ".length());
            }
        }
        return null;
    }

    private static Timestamp firstRowOf(int server, String table, long serverId) throws Exception {
        return oneTimestamp(server, "SELECT MIN(created) FROM " + table + " WHERE server_id = " + serverId);
    }

    private static Timestamp lastRowOf(int server, String table, long serverId) throws Exception {
        return oneTimestamp(server, "SELECT MAX(created) FROM " + table + " WHERE server_id = " + serverId);
    }

    private static Timestamp oneTimestamp(int server, String sql) throws Exception {
        try (Connection c = servers.adminConnection(server); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    private static Process service(List<String> out, String group, String mode) throws IOException {
        Process p = java(null, BillingService.class.getName(), servers.hostList(), servers.database(), "billing",
                BILLING_PASSWORD, clientFile.toString(), group, mode);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.contains(" INFO ") && !line.startsWith("INFO:")) { // Hazelcast's and Logback's chatter
                        out.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "service-output-" + group + "-" + mode);
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    private static Process java(Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true",
                "-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (log != null) {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("services.log").toFile()));
        }
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
