package dev.stickyfail.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.testkit.ServerGroup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * stickyfail's cost over raw Connector/J, both sides in the same run against the same embedded MariaDB server: the
 * {@code raw*} and {@code sticky*} methods of a pair do the same work, one through {@code jdbc:mysql:}, one through
 * {@code jdbc:stickyfail:}. Compare each pair's scores; {@code -prof gc} shows the allocation per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class OverheadBenchmark {

    private ServerGroup group;
    private StickyFailDataSource stickyDataSource;
    private Connection raw;
    private Connection sticky;
    private Statement rawStatement;
    private Statement stickyStatement;
    private PreparedStatement rawInsert;
    private PreparedStatement stickyInsert;
    private HikariDataSource rawPool;
    private HikariDataSource stickyPool;
    private final AtomicLong ids = new AtomicLong();

    @Setup(Level.Trial)
    public void start() throws SQLException {
        group = ServerGroup.start(2);
        String table = "bench_insert";
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v VARCHAR(32)) ENGINE=InnoDB");
        }
        raw = DriverManager.getConnection(group.server(0).jdbcUrl(), group.appUser(), group.appPassword());
        stickyDataSource = new StickyFailDataSource("jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database());
        stickyDataSource.setUser(group.appUser());
        stickyDataSource.setPassword(group.appPassword());
        stickyDataSource.setProperty("stickyfail.group", "overhead-benchmark");
        sticky = stickyDataSource.getConnection();
        rawStatement = raw.createStatement();
        stickyStatement = sticky.createStatement();
        rawInsert = raw.prepareStatement("INSERT INTO " + table + " (id, v) VALUES (?, ?)");
        stickyInsert = sticky.prepareStatement("INSERT INTO " + table + " (id, v) VALUES (?, ?)");
        rawPool = pool("raw", group.server(0).jdbcUrl(), null);
        stickyPool = pool("sticky", null, stickyDataSource);
    }

    private HikariDataSource pool(String name, String url, StickyFailDataSource ds) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        if (ds != null) {
            hc.setDataSource(ds);
        } else {
            hc.setJdbcUrl(url);
            hc.setUsername(group.appUser());
            hc.setPassword(group.appPassword());
        }
        hc.setMaximumPoolSize(4);
        hc.setMinimumIdle(4);
        return new HikariDataSource(hc);
    }

    @TearDown(Level.Trial)
    public void stop() throws SQLException {
        rawPool.close();
        stickyPool.close();
        raw.close();
        sticky.close();
        stickyDataSource.close();
        group.close();
    }

    private static long selectOne(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Benchmark
    public long rawSelect1() throws SQLException {
        return selectOne(rawStatement);
    }

    @Benchmark
    public long stickySelect1() throws SQLException {
        return selectOne(stickyStatement);
    }

    @Benchmark
    public int rawPreparedInsert() throws SQLException {
        rawInsert.setLong(1, ids.incrementAndGet());
        rawInsert.setString(2, "raw");
        return rawInsert.executeUpdate();
    }

    @Benchmark
    public int stickyPreparedInsert() throws SQLException {
        stickyInsert.setLong(1, ids.incrementAndGet());
        stickyInsert.setString(2, "raw");
        return stickyInsert.executeUpdate();
    }

    @Benchmark
    public boolean rawPoolGetConnectionClose() throws SQLException {
        try (Connection c = rawPool.getConnection()) {
            return c.getAutoCommit();
        }
    }

    @Benchmark
    public boolean stickyPoolGetConnectionClose() throws SQLException {
        try (Connection c = stickyPool.getConnection()) {
            return c.getAutoCommit();
        }
    }

    /** The statement path without the network: create and close a statement (Connector/J does both locally). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Statement rawStatementPathLocal() throws SQLException {
        Statement st = raw.createStatement();
        st.close();
        return st;
    }

    /** The same through stickyfail: the eviction check, the error funnel and the statement wrapper. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Statement stickyStatementPathLocal() throws SQLException {
        Statement st = sticky.createStatement();
        st.close();
        return st;
    }

    /**
     * Control: the same local statement path on stickyfail's own physical connection, unwrapped. Tells allocation and
     * time differences that come from how the physical connection was opened apart from the wrapper's.
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Statement physicalStatementPathLocal() throws SQLException {
        Statement st = sticky.unwrap(com.mysql.cj.jdbc.JdbcConnection.class).createStatement();
        st.close();
        return st;
    }

    /** Pure delegation with no check: a local getter. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int rawLocalGetter() throws SQLException {
        return rawStatement.getFetchSize();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int stickyLocalGetter() throws SQLException {
        return stickyStatement.getFetchSize();
    }
}
