package dev.stickyfail.benchmarks.soak;

import dev.stickyfail.testkit.workload.Topology;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Writer threads at a fixed total rate, each write one autocommit {@code INSERT} of (writer, seq, {@code @@server_id},
 * the client's send time, the server's {@code NOW(6)}) into {@code soak}, whose unique key on (writer, seq) gives every
 * write its own identity. A write is never retried: its outcome is "ok" or the SQLState the application saw.
 *
 * <p>What it keeps does not grow with successes (counters only): a successful write is every (writer, seq) below the
 * writer's next seq that is not among the failures or the unfinished, which are kept one by one (a few per switch).
 * Otherwise the run would measure its own heap.
 */
final class Load {

    static final String TABLE = "soak";

    /** A write the application saw fail. {@code sentMicros} and {@code endMicros}: wall clock, µs since the epoch. */
    record Failure(int writer, long seq, long sentMicros, long endMicros, String sqlState) {

        /** A line of {@code failures.csv}: switch, writer, seq, sent, end, SQLState. */
        static Failure parse(String line) {
            String[] f = line.split(",");
            return new Failure(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    f[5]);
        }
    }

    private final Topology topology;
    private final DataSource dataSource;
    private final long periodNanos;
    private final Writer[] writers;
    private final AtomicLongArray okPerServer;
    private final AtomicLongArray firstOkAfter;
    private final LongAdder skipped = new LongAdder();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, String> firstMessageByState = new ConcurrentHashMap<>();
    private volatile long watchFromMicros = Long.MAX_VALUE;
    private volatile boolean stopping;

    Load(Topology topology, DataSource dataSource, int writers, int rate) {
        this.topology = topology;
        this.dataSource = dataSource;
        this.periodNanos = Math.max(1, (long) (writers * 1e9 / rate));
        this.writers = new Writer[writers];
        this.okPerServer = new AtomicLongArray(topology.size());
        this.firstOkAfter = new AtomicLongArray(topology.size());
    }

    /** Drops and creates the table on server 0 and waits until every server has it. */
    static void createTable(Topology topology) throws SQLException {
        try (Connection c = topology.group().adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
            st.execute("CREATE TABLE " + TABLE + " (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, "
                    + "seq BIGINT NOT NULL, origin INT NOT NULL, sent_us BIGINT NOT NULL, ts TIMESTAMP(6) NOT NULL, "
                    + "UNIQUE KEY writer_seq (writer, seq)) ENGINE=InnoDB");
        }
        topology.group().awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    void start() {
        long origin = System.nanoTime();
        for (int i = 0; i < writers.length; i++) {
            writers[i] = new Writer(i, origin + i * periodNanos / writers.length);
            Thread t = new Thread(writers[i], "soak-writer-" + i);
            t.setDaemon(true);
            writers[i].thread = t;
            t.start();
        }
    }

    /** Successful writes on server {@code index} so far. */
    long ok(int index) {
        return okPerServer.get(index);
    }

    long okTotal() {
        long sum = 0;
        for (int i = 0; i < okPerServer.length(); i++) {
            sum += okPerServer.get(i);
        }
        return sum;
    }

    /** From now on, remember the end of the first successful write on each server ({@link #firstOkSince}). */
    void watchFrom(long micros) {
        for (int i = 0; i < firstOkAfter.length(); i++) {
            firstOkAfter.set(i, 0);
        }
        watchFromMicros = micros;
    }

    /** The end (µs since the epoch) of the first successful write on {@code server} since {@link #watchFrom}, or 0. */
    long firstOkSince(int server) {
        return firstOkAfter.get(server);
    }

    /** Writes under way now (each writer has at most one). */
    int inFlight() {
        int n = 0;
        for (Writer w : writers) {
            if (w != null && w.busy) {
                n++;
            }
        }
        return n;
    }

    long failedCount() {
        return failures.size();
    }

    List<Failure> failures() {
        return new ArrayList<>(failures);
    }

    Map<String, String> firstMessageByState() {
        return Map.copyOf(firstMessageByState);
    }

    long skippedSlots() {
        return skipped.sum();
    }

    /** What the writers did, once stopped. */
    record Outcome(long[] issued, List<Failure> failures, List<long[]> unfinished, long skippedSlots) {
    }

    /**
     * Stops the writers and waits up to {@code grace} for each; a writer still blocked then leaves its write
     * unfinished (outcome unknown).
     */
    Outcome stop(Duration grace) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        List<long[]> unfinished = new ArrayList<>();
        long[] issued = new long[writers.length];
        for (Writer w : writers) {
            LockSupport.unpark(w.thread);
            try {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Writer w : writers) {
            synchronized (w) {
                w.sealed = true;
                issued[w.index] = w.nextSeq;
                if (w.busy) {
                    unfinished.add(new long[] {w.index, w.nextSeq - 1});
                }
            }
        }
        return new Outcome(issued, failures(), unfinished, skipped.sum());
    }

    private final class Writer implements Runnable {
        final int index;
        final long firstSlot;
        Thread thread;
        volatile boolean busy;
        volatile long nextSeq;
        boolean sealed;

        Writer(int index, long firstSlot) {
            this.index = index;
            this.firstSlot = firstSlot;
        }

        @Override
        public void run() {
            // Pacing, not synchronisation: each writer works on its own fixed schedule; a slot missed because a write
            // was slow is skipped, never made up in a burst.
            long next = firstSlot;
            while (!stopping) {
                long now = System.nanoTime();
                if (now < next) {
                    LockSupport.parkNanos(next - now);
                    continue;
                }
                long late = now - next;
                if (late >= periodNanos) {
                    long missed = late / periodNanos;
                    skipped.add(missed);
                    next += missed * periodNanos;
                }
                next += periodNanos;
                write();
            }
        }

        private void write() {
            long seq;
            synchronized (this) {
                if (sealed) {
                    return;
                }
                seq = nextSeq++;
                busy = true;
            }
            long sent = nowMicros();
            int server = -1;
            String sqlState = null;
            String message = null;
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE
                         + " (writer, seq, origin, sent_us, ts) VALUES (?, ?, @@server_id, ?, NOW(6))",
                         Statement.RETURN_GENERATED_KEYS)) {
                ps.setInt(1, index);
                ps.setLong(2, seq);
                ps.setLong(3, sent);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    server = topology.serverOfAutoIncrement(keys.getLong(1));
                }
            } catch (SQLException e) {
                sqlState = e.getSQLState() == null ? "none" : e.getSQLState();
                message = e.getClass().getSimpleName() + ": " + e.getMessage();
            } catch (RuntimeException e) {
                sqlState = "none";
                message = e.toString();
            }
            long end = nowMicros();
            synchronized (this) {
                busy = false;
                if (sealed) {
                    return;
                }
                if (sqlState == null) {
                    okPerServer.incrementAndGet(server);
                    if (end >= watchFromMicros) {
                        firstOkAfter.compareAndSet(server, 0, end);
                    }
                } else {
                    failures.add(new Failure(index, seq, sent, end, sqlState));
                    firstMessageByState.putIfAbsent(sqlState, message);
                }
            }
        }
    }
}
