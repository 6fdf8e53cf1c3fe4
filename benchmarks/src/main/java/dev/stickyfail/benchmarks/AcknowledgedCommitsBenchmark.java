package dev.stickyfail.benchmarks;

import dev.stickyfail.internal.replication.AcknowledgedCommits;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What recording one acknowledged commit costs on the application's thread, inside Connector/J's reading of the
 * commit's reply (see {@link AcknowledgedCommits}): parsing the GTID the server reported and storing its sequence
 * number, on one thread and on four threads committing to the same server at once. The commit itself is a network
 * round trip of hundreds of microseconds ({@code OverheadBenchmark.*PreparedInsert}); {@code -prof gc} shows that
 * recording allocates nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class AcknowledgedCommitsBenchmark {

    private static final String UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    private AcknowledgedCommits.Server server;
    /** What the servers report, prebuilt: Connector/J has made these strings before the listener runs. */
    private final String[] mariaDb = new String[1024];
    private final String[] mysql = new String[1024];

    @Setup
    public void setUp() {
        server = new AcknowledgedCommits(2).server(0);
        for (int i = 0; i < mariaDb.length; i++) {
            mariaDb[i] = "1-1-" + (1_000_000 + i);
            mysql[i] = UUID + ":" + (1_000_000 + i);
        }
        server.recordMariaDb(mariaDb[0]);
        server.recordMysql(mysql[0]);
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;

        int advance() {
            return next++ & 1023;
        }
    }

    @Benchmark
    public void mariaDbLastGtid(Cursor c) {
        server.recordMariaDb(mariaDb[c.advance()]);
    }

    @Benchmark
    public void mysqlOwnGtid(Cursor c) {
        server.recordMysql(mysql[c.advance()]);
    }

    @Benchmark
    @Threads(4)
    public void mariaDbLastGtid4Threads(Cursor c) {
        server.recordMariaDb(mariaDb[c.advance()]);
    }

    @Benchmark
    @Threads(4)
    public void mysqlOwnGtid4Threads(Cursor c) {
        server.recordMysql(mysql[c.advance()]);
    }
}
