package dev.stickyfail.testkit.workload;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Writer threads at a fixed rate through any {@link DataSource}. Each operation borrows a connection, inserts one
 * row into the run's table ({@code @@server_id} and the server's {@code NOW(6)} in it) and gives the connection
 * back, as an application request would; it is recorded as an {@link Op}: start and end, outcome (success, or the
 * SQLState the application saw), and the server that took it (from the row's auto-increment value, see
 * {@link Topology#serverOfAutoIncrement}).
 *
 * <p>Writers are spread over the clients round-robin (writer {@code w} uses client {@code w % clients}). Each
 * writer keeps its own pace, {@code writers / rate} seconds apart, staggered so the writers together are evenly
 * spaced; a slot missed because an operation was slow is skipped, never made up in a burst (a real client does not
 * send the requests it could not send while it was blocked).
 */
public final class Workload {

    private final Topology topology;
    private final List<WorkloadClient> clients;
    private final String runId;
    private final String insertSql;
    private final long periodNanos;
    private final long heldNanos;
    private final Writer[] writers;
    private final LongAdder[] okPerServer;
    private final LongAdder failed = new LongAdder();
    private final LongAdder held = new LongAdder();
    private final AtomicBoolean watchFired = new AtomicBoolean();
    private volatile long originNanos;
    private volatile boolean stopping;
    private volatile long watchFromNanos = Long.MAX_VALUE;
    private volatile int watchExcluded = -1;
    private volatile FirstSuccess watchCallback;
    private long[] lastTickOk;
    private long lastTickFailed;
    private long lastTickHeld;
    private long lastTickAt;

    /** Called once, on the writer's thread, for the first success that matches a watch. */
    @FunctionalInterface
    public interface FirstSuccess {
        void on(int server, long endNanos);
    }

    public Workload(Topology topology, List<WorkloadClient> clients, String runId, ScenarioOptions options) {
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("a workload needs at least one client");
        }
        this.topology = topology;
        this.clients = List.copyOf(clients);
        this.runId = runId;
        this.insertSql = WorkloadTable.insertSql(options.table());
        this.periodNanos = Math.max(1, (long) (options.writers() * 1e9 / options.rate()));
        this.heldNanos = options.heldThreshold().toNanos();
        this.writers = new Writer[options.writers()];
        for (int w = 0; w < writers.length; w++) {
            writers[w] = new Writer(w, w % this.clients.size());
        }
        this.okPerServer = new LongAdder[topology.size()];
        for (int i = 0; i < okPerServer.length; i++) {
            okPerServer[i] = new LongAdder();
        }
        this.lastTickOk = new long[topology.size()];
    }

    /** Starts the writers; operation times are relative to {@code originNanos} (a {@code System.nanoTime()}). */
    public void start(long originNanos) {
        this.originNanos = originNanos;
        this.lastTickAt = originNanos;
        for (Writer w : writers) {
            Thread t = new Thread(w, "workload-writer-" + w.index);
            t.setDaemon(true);
            w.thread = t;
            t.start();
        }
    }

    /**
     * Calls {@code callback} once, for the first operation that succeeds on a server other than {@code excluded}
     * and ends at or after {@code fromNanos} (relative to the start).
     */
    public void watchFirstSuccess(long fromNanos, int excluded, FirstSuccess callback) {
        this.watchCallback = callback;
        this.watchExcluded = excluded;
        this.watchFromNanos = fromNanos;
    }

    /** What happened since the previous tick (one caller at a time). */
    public synchronized Tick tick() {
        long now = System.nanoTime();
        long[] ok = new long[okPerServer.length];
        long[] delta = new long[okPerServer.length];
        long okTotal = 0;
        for (int i = 0; i < ok.length; i++) {
            ok[i] = okPerServer[i].sum();
            delta[i] = ok[i] - lastTickOk[i];
            okTotal += ok[i];
        }
        long f = failed.sum();
        long h = held.sum();
        int inFlight = 0;
        for (Writer w : writers) {
            if (w.currentStart != Long.MIN_VALUE) {
                inFlight++;
            }
        }
        Tick tick = new Tick(now - originNanos, Math.max(1, now - lastTickAt), delta, f - lastTickFailed,
                h - lastTickHeld, inFlight, okTotal, f);
        lastTickOk = ok;
        lastTickFailed = f;
        lastTickHeld = h;
        lastTickAt = now;
        return tick;
    }

    /**
     * Stops the writers: waits up to {@code grace} for each to finish the operation it is in, then returns every
     * operation, sorted by start; operations still under way are included as {@link Op.Outcome#UNFINISHED}, and
     * whatever they do later is ignored.
     */
    public List<Op> stop(Duration grace) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        for (Writer w : writers) {
            LockSupport.unpark(w.thread);
        }
        for (Writer w : writers) {
            long left = deadline - System.nanoTime();
            if (w.thread != null && left > 0) {
                try {
                    w.thread.join(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        long end = System.nanoTime() - originNanos;
        List<Op> all = new ArrayList<>();
        for (Writer w : writers) {
            all.addAll(w.seal(end));
        }
        all.sort(Comparator.comparingLong(Op::startNanos));
        return all;
    }

    /** Fixed-rate slots that writers skipped because an operation was still under way. */
    public long skippedSlots() {
        long n = 0;
        for (Writer w : writers) {
            n += w.skipped;
        }
        return n;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s+", " ");
        if (message.length() > 400) {
            message = message.substring(0, 400) + "...";
        }
        return e.getClass().getSimpleName() + ": " + message;
    }

    private final class Writer implements Runnable {
        final int index;
        final int clientIndex;
        final DataSource dataSource;
        final List<Op> ops = new ArrayList<>();
        Thread thread;
        volatile long currentStart = Long.MIN_VALUE;
        volatile long currentSeq;
        volatile long skipped;
        boolean sealed;

        Writer(int index, int clientIndex) {
            this.index = index;
            this.clientIndex = clientIndex;
            this.dataSource = clients.get(clientIndex).dataSource();
        }

        @Override
        public void run() {
            // Pacing, not synchronisation: each writer works on its own fixed schedule.
            long next = originNanos + index * periodNanos / writers.length;
            long seq = 0;
            while (!stopping) {
                long now = System.nanoTime();
                if (now < next) {
                    LockSupport.parkNanos(next - now);
                    continue;
                }
                long late = now - next;
                if (late >= periodNanos) {
                    long missed = late / periodNanos;
                    skipped += missed;
                    next += missed * periodNanos;
                }
                next += periodNanos;
                execute(seq++);
            }
        }

        private void execute(long seq) {
            long start = System.nanoTime();
            currentSeq = seq;
            currentStart = start - originNanos;
            int server = -1;
            String sqlState = null;
            String error = null;
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement(insertSql, Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, runId);
                ps.setInt(2, clientIndex);
                ps.setInt(3, index);
                ps.setLong(4, seq);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    server = topology.serverOfAutoIncrement(keys.getLong(1));
                }
            } catch (SQLException e) {
                sqlState = e.getSQLState() == null ? "none" : e.getSQLState();
                error = describe(e);
                server = -1;
            } catch (RuntimeException e) {
                sqlState = "none";
                error = describe(e);
                server = -1;
            }
            long end = System.nanoTime() - originNanos;
            long startRel = start - originNanos;
            Op op = sqlState == null
                    ? new Op(clientIndex, index, seq, startRel, end, Op.Outcome.OK, server, null, null)
                    : new Op(clientIndex, index, seq, startRel, end, Op.Outcome.FAILED, -1, sqlState, error);
            if (!record(op)) {
                return;
            }
            if (op.ok()) {
                okPerServer[server].increment();
                if (op.latencyNanos() >= heldNanos) {
                    held.increment();
                }
                if (server != watchExcluded && end >= watchFromNanos && watchFired.compareAndSet(false, true)) {
                    FirstSuccess callback = watchCallback;
                    if (callback != null) {
                        callback.on(server, end);
                    }
                }
            } else {
                failed.increment();
            }
        }

        /** Keeps the operation unless the run was sealed meanwhile; clears "under way" in the same step. */
        private synchronized boolean record(Op op) {
            currentStart = Long.MIN_VALUE;
            if (sealed) {
                return false;
            }
            ops.add(op);
            return true;
        }

        synchronized List<Op> seal(long endNanos) {
            sealed = true;
            List<Op> result = new ArrayList<>(ops);
            long start = currentStart;
            if (start != Long.MIN_VALUE) {
                result.add(new Op(clientIndex, index, currentSeq, start, endNanos, Op.Outcome.UNFINISHED, -1,
                        "unfinished", "still blocked when the run ended"));
            }
            return result;
        }
    }
}
