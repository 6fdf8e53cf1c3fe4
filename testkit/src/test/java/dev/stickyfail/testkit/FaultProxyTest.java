package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Test 5: the fault proxy's blackhole, reset, partition and delay, against a real server. */
@MariaDbGroupTest(proxies = true)
class FaultProxyTest {

    private static final String TIMEOUTS = "?connectTimeout=1000&socketTimeout=1000";

    private final ProxiedGroup proxied;

    FaultProxyTest(ProxiedGroup proxied) {
        this.proxied = proxied;
    }

    @BeforeAll
    static void createTable(ServerGroup group) throws Exception {
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE IF NOT EXISTS proxy_rows (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40))");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
    }

    @AfterEach
    void heal() {
        proxied.heal(Duration.ofSeconds(60));
    }

    private Connection connect(int index) throws SQLException {
        ServerGroup group = proxied.group();
        return DriverManager.getConnection(proxied.jdbcUrl(index) + TIMEOUTS, group.appUser(), group.appPassword());
    }

    @Test
    void injectsOneProxyPerServerAndAHostListThroughThem(ProxiedGroup same, List<FaultProxy> proxies,
                                                        ServerGroup group) throws Exception {
        assertThat(same).isSameAs(proxied);
        assertThat(proxies).isEqualTo(proxied.proxies()).hasSize(group.size());
        assertThat(same.group()).isSameAs(group);
        for (int i = 0; i < group.size(); i++) {
            assertThat(proxies.get(i).targetPort()).isEqualTo(group.server(i).port());
            assertThat(proxies.get(i).mode()).isEqualTo(FaultProxy.Mode.PASS_THROUGH);
        }
        assertThat(proxied.hostList()).isEqualTo("127.0.0.1:" + proxies.get(0).port()
                + ",127.0.0.1:" + proxies.get(1).port());
        try (Connection c = connect(1)) {
            assertThat(Sql.queryLong(c, "SELECT @@server_id")).isEqualTo(2);
        }
    }

    @Test
    void blackholeHangsNewConnectsAndQueriesUntilTheirTimeouts() throws Exception {
        FaultProxy proxy = proxied.proxy(0);
        try (Connection existing = connect(0)) {
            assertThat(Sql.queryLong(existing, "SELECT 1")).isEqualTo(1);
            proxy.blackhole();

            long start = System.nanoTime();
            Throwable connectFailure = catchThrowable(() -> connect(0).close());
            Duration connectTook = Duration.ofNanos(System.nanoTime() - start);
            assertThat(connectFailure).isInstanceOf(SQLException.class);
            assertThat(connectTook).isBetween(Duration.ofMillis(900), Duration.ofSeconds(15));

            start = System.nanoTime();
            Throwable queryFailure = catchThrowable(() -> Sql.queryLong(existing, "SELECT 1"));
            Duration queryTook = Duration.ofNanos(System.nanoTime() - start);
            assertThat(queryFailure).isInstanceOf(SQLException.class);
            assertThat(Sql.hasSocketTimeoutCause(queryFailure)).as(Sql.chain(queryFailure)).isTrue();
            assertThat(queryTook).isBetween(Duration.ofMillis(900), Duration.ofSeconds(15));
        }
        proxy.passThrough();
        try (Connection c = connect(0)) {
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);
        }
    }

    @Test
    void resetAllBreaksOpenConnections() throws Exception {
        FaultProxy proxy = proxied.proxy(1);
        try (Connection c = connect(1)) {
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);
            assertThat(proxy.openConnections()).isGreaterThanOrEqualTo(1);

            proxy.resetAll();
            assertThat(proxy.openConnections()).isZero();

            Throwable failure = catchThrowable(() -> Sql.queryLong(c, "SELECT 1"));
            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(((SQLException) failure).getSQLState()).as(Sql.chain(failure)).isEqualTo("08S01");
        }
        proxy.passThrough();
        try (Connection c = connect(1)) {
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);
        }
    }

    @Test
    void partitionHoldsTrafficAndDeliversItWhenItHeals() throws Exception {
        FaultProxy proxy = proxied.proxy(0);
        ServerGroup group = proxied.group();
        long before = Sql.count(group, 0, "proxy_rows");
        // useLocalSessionState: Connector/J would otherwise ask the server for transaction_read_only before the
        // INSERT, and it is that question, not the INSERT, that the partition would hold.
        try (Connection c = DriverManager.getConnection(proxied.jdbcUrl(0) + TIMEOUTS + "&useLocalSessionState=true",
                group.appUser(), group.appPassword())) {
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);
            proxy.partition();
            Throwable failure = catchThrowable(
                    () -> Sql.exec(c, "INSERT INTO proxy_rows (note) VALUES ('sent during partition')"));
            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(Sql.hasSocketTimeoutCause(failure)).as(Sql.chain(failure)).isTrue();
            assertThat(Sql.count(group, 0, "proxy_rows")).as("nothing arrived yet").isEqualTo(before);
        }
        // The client gave up, but like TCP after a partition, the statement still reaches the server.
        proxy.passThrough();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Sql.count(group, 0, "proxy_rows") == before + 1);
    }

    @Test
    void delayAddsLatencyToEveryExchange() throws Exception {
        FaultProxy proxy = proxied.proxy(0);
        ServerGroup group = proxied.group();
        try (Connection c = DriverManager.getConnection(proxied.jdbcUrl(0) + "?socketTimeout=10000",
                group.appUser(), group.appPassword())) {
            proxy.delay(Duration.ofMillis(200));
            assertThat(proxy.currentDelay()).isEqualTo(Duration.ofMillis(200));
            long start = System.nanoTime();
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // 200 ms on the way in, at least 200 ms on the way out (more if the reply came in several chunks).
            assertThat(took).isBetween(Duration.ofMillis(380), Duration.ofSeconds(10));

            // Passing traffic again removes the delay: the best of a few round trips is under one delay (one
            // round trip with the delay takes at least 400 ms; the best of five survives a loaded machine's hiccups).
            proxy.passThrough();
            assertThat(proxy.currentDelay()).isEqualTo(Duration.ZERO);
            Duration best = Duration.ofDays(1);
            for (int i = 0; i < 5; i++) {
                start = System.nanoTime();
                Sql.queryLong(c, "SELECT 1");
                Duration one = Duration.ofNanos(System.nanoTime() - start);
                best = one.compareTo(best) < 0 ? one : best;
            }
            assertThat(best).isLessThan(Duration.ofMillis(200));
        }
    }

    @Test
    void aProxyInFrontOfADeadServerResetsItsClients() throws Exception {
        proxied.group().server(1).kill();
        long start = System.nanoTime();
        Throwable failure = catchThrowable(() -> connect(1).close());
        assertThat(failure).isInstanceOf(SQLException.class);
        assertThat(((SQLException) failure).getSQLState()).isEqualTo("08S01");
        // a reset, not a wait for a connect timeout (Connector/J's default: none)
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
