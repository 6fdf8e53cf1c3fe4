package dev.stickyfail.benchmarks;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.testkit.ServerGroup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * What a shared decision adds to the statement path: the lease check (a volatile read and a monotonic clock read)
 * before every statement and every socket write. {@code store=local} has no lease; {@code store=benchmark-shared} is
 * an in-memory shared store, so only the check is measured, not a store's latency.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class LeaseOverheadBenchmark {

    @Param({"local", "benchmark-shared"})
    public String store;

    private ServerGroup group;
    private StickyFailDataSource dataSource;
    private Connection connection;
    private Statement statement;

    @Setup(Level.Trial)
    public void start() throws SQLException {
        group = ServerGroup.start(2);
        dataSource = new StickyFailDataSource("jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database()
                + "?stickyfail.store=" + store + "&stickyfail.lease=1m");
        dataSource.setUser(group.appUser());
        dataSource.setPassword(group.appPassword());
        dataSource.setProperty("stickyfail.group", "lease-overhead-" + store);
        connection = dataSource.getConnection();
        statement = connection.createStatement();
    }

    @TearDown(Level.Trial)
    public void stop() throws SQLException {
        connection.close();
        dataSource.close();
        group.close();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long select1() throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Statement statementPathLocal() throws SQLException {
        Statement st = connection.createStatement();
        st.close();
        return st;
    }
}
