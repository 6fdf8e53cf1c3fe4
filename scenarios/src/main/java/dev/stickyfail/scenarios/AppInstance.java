package dev.stickyfail.scenarios;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.LeaseEvent;
import dev.stickyfail.event.ServerFenceEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchStartingEvent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One application instance of the multi-instance scenarios, in a JVM of its own: a HikariCP pool over a
 * {@code jdbc:stickyfail:} URL with the shared store, and writers at a fixed rate, each write in a small transaction.
 * Driven through standard input; answers one line per command on standard output:
 * <ul>
 *   <li>{@code switchTo host:port}: an operator's switch;</li>
 *   <li>{@code status}: the decision (and the instance that made it), the lease, the writes that committed;</li>
 *   <li>{@code hold} / {@code release}: a transaction that inserts a row and stays open until released;</li>
 *   <li>{@code lockwait <sql>} / {@code lockresult}: one autocommit statement on a connection of the pool, run in the
 *       background (it may wait for a lock), and what its caller was told;</li>
 *   <li>{@code stop}: writes every write's send and answer times and outcome, and the group's switch, fence and lease
 *       events, to files for the audit.</li>
 * </ul>
 * Times are {@link System#nanoTime()}: on Linux {@code CLOCK_MONOTONIC}, one clock for every JVM on the host, so the
 * scenario compares them with its own.
 */
public final class AppInstance {

    /** What a write's caller was told, and when it began (before borrowing a connection) and ended. */
    record Write(long beginNanos, long endNanos, String outcome) {
    }

    private AppInstance() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new ConcurrentHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String name = a.get("instance");
        String table = a.get("table");
        int writers = Integer.parseInt(a.getOrDefault("writers", "4"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "100"));
        Path out = Path.of(a.get("out"));
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);

        List<String> events = new CopyOnWriteArrayList<>();
        StickyFail.addGlobalListener(new EventLog(events));

        StickyFailDataSource ds = new StickyFailDataSource(a.get("url"));
        ds.setUser(a.get("user"));
        ds.setPassword(a.get("password"));
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(writers + 2); // the writers, a held transaction, a statement waiting on a lock
        hc.setMinimumIdle(writers);
        hc.setConnectionTimeout(60_000);
        hc.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(hc);

        Map<Long, Write> writes = new ConcurrentHashMap<>();
        AtomicLong seq = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        String insert = "INSERT INTO " + table + " (origin, ts, instance, seq) VALUES (@@server_id, NOW(6), ?, ?)";
        long periodNanos = TimeUnit.SECONDS.toNanos(1) * writers / rate;
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            Thread t = new Thread(() -> {
                long next = System.nanoTime();
                while (!stop.get()) {
                    long s = seq.incrementAndGet();
                    long begin = System.nanoTime();
                    String outcome;
                    try (Connection c = pool.getConnection()) {
                        c.setAutoCommit(false);
                        insertRow(c, insert, name, s);
                        c.commit();
                        outcome = "OK";
                        ok.incrementAndGet();
                    } catch (SQLException e) {
                        outcome = outcome(e);
                    }
                    writes.put(s, new Write(begin, System.nanoTime(), outcome));
                    next += periodNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait); // pacing the fixed rate
                    } else {
                        next = System.nanoTime();
                    }
                }
            }, name + "-writer-" + w);
            t.start();
            threads.add(t);
        }
        while (ok.get() == 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        stdout.println("READY " + ProcessHandle.current().pid());

        HeldTransaction held = null;
        CompletableFuture<String> lockWait = null;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            GroupAdmin admin = StickyFail.groups().isEmpty() ? null : StickyFail.groups().get(0);
            if (line.startsWith("switchTo ")) {
                try {
                    admin.switchTo(line.substring(9).trim());
                    stdout.println("OK switched");
                } catch (RuntimeException e) {
                    stdout.println("ERR " + e.getMessage());
                }
            } else if (line.equals("status")) {
                stdout.println("STATUS active=" + (admin == null ? "" : admin.activeServer().orElse(""))
                        + " epoch=" + (admin == null ? 0 : admin.epoch())
                        + " lease=" + (admin != null && admin.coordination().leaseHeld())
                        + " route=" + (admin != null && admin.routeUsable())
                        + " decidedBy=" + (admin == null ? "" : admin.decision().map(d -> d.decidedBy()).orElse(""))
                        + " ok=" + ok.get()
                        + " store=[" + (admin == null ? "" : admin.coordination().store()) + "]");
            } else if (line.equals("hold")) {
                long s = seq.incrementAndGet();
                try {
                    held = HeldTransaction.open(pool, insert, name, s);
                    stdout.println("OK held " + s);
                } catch (SQLException e) {
                    stdout.println("ERR hold: " + e.getSQLState() + " " + e.getMessage());
                }
            } else if (line.equals("release")) {
                Write w = held == null ? null : held.commit();
                if (w == null) {
                    stdout.println("ERR release: no transaction held");
                } else {
                    writes.put(held.seq(), w);
                    stdout.println("OK released " + held.seq() + " " + w.outcome());
                }
                held = null;
            } else if (line.startsWith("lockwait ")) {
                String sql = line.substring("lockwait ".length());
                lockWait = CompletableFuture.supplyAsync(() -> {
                    try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                        st.executeUpdate(sql);
                        return "OK";
                    } catch (SQLException e) {
                        return outcome(e);
                    }
                });
                stdout.println("OK lockwait started");
            } else if (line.equals("lockresult")) {
                try {
                    stdout.println("OK lockresult " + (lockWait == null ? "none" : lockWait.get(60, TimeUnit.SECONDS)));
                } catch (java.util.concurrent.TimeoutException e) {
                    stdout.println("ERR lockresult: the statement had not returned after 60 s");
                }
            } else if (line.equals("stop")) {
                break;
            }
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        List<String> lines = new ArrayList<>();
        writes.forEach((s, w) -> lines.add(s + "," + w.beginNanos() + "," + w.endNanos() + "," + w.outcome()));
        Files.write(out, lines);
        Files.write(Path.of(out + ".events"), events);
        stdout.println("DONE " + ok.get());
        // Closing leaves the Hazelcast cluster gracefully. After one host was lost, an embedded member's leave has been
        // seen to hang past its own 10 s bound; the audit has what it needs, so a hung close is reported, not waited for.
        Thread watchdog = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(30));
            System.err.println(name + ": closing the pool and the data source did not end within 30 s; halting");
            Runtime.getRuntime().halt(3);
        }, name + "-close-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        long closing = System.nanoTime();
        pool.close();
        ds.close();
        System.err.println(name + ": closed in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing) + " ms");
        System.exit(0);
    }

    /** One write's row: the server that ran it, when, and which instance's write it is. */
    static void insertRow(Connection c, String insert, String name, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setString(1, name);
            ps.setLong(2, seq);
            ps.executeUpdate();
        }
    }

    /**
     * The SQLState, or {@code pool-timeout} for HikariCP's own {@code connectionTimeout} (60 s here), which carries no
     * SQLState when nothing failed underneath: the pool gave up waiting, e.g. for a restarted instance's first
     * connection while the CP Subsystem forms.
     */
    static String outcome(SQLException e) {
        if (e.getSQLState() == null && String.valueOf(e.getMessage()).contains("Connection is not available")) {
            return "pool-timeout";
        }
        return String.valueOf(e.getSQLState());
    }

    /** A transaction that inserted one row and waits, on a thread of its own, until it is told to commit. */
    private record HeldTransaction(long seq, long beginNanos, CountDownLatch release, CompletableFuture<String> done) {

        static HeldTransaction open(HikariDataSource pool, String insert, String name, long seq) throws SQLException {
            long begin = System.nanoTime();
            CountDownLatch inserted = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            SQLException[] failed = new SQLException[1];
            CompletableFuture<String> done = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    insertRow(c, insert, name, seq);
                    inserted.countDown();
                    release.await();
                    c.commit();
                    done.complete("OK");
                } catch (SQLException e) {
                    failed[0] = e;
                    inserted.countDown();
                    done.complete(outcome(e));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    done.complete("interrupted");
                }
            }, name + "-held-transaction");
            t.setDaemon(true);
            t.start();
            try {
                inserted.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted", "HY000", e);
            }
            if (failed[0] != null) {
                throw failed[0];
            }
            return new HeldTransaction(seq, begin, release, done);
        }

        Write commit() throws InterruptedException {
            release.countDown();
            try {
                return new Write(beginNanos, System.nanoTime(), done.get(60, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return new Write(beginNanos, System.nanoTime(), "no answer: " + e);
            }
        }
    }

    /**
     * The group's events as the audit reads them, one line each, with the {@code nanoTime} they arrived at: later than
     * the change itself (they are delivered after it), so a write begun after an event's time began after the change.
     */
    private record EventLog(List<String> lines) implements StickyFailListener {

        @Override
        public void onSwitchStarting(SwitchStartingEvent e) {
            lines.add("switching," + System.nanoTime() + "," + e.epoch() + "," + e.from() + "," + e.to());
        }

        @Override
        public void onSwitch(SwitchEvent e) {
            lines.add("switched," + System.nanoTime() + "," + e.epoch() + "," + e.from() + "," + e.to());
        }

        @Override
        public void onServerFence(ServerFenceEvent e) {
            lines.add("fence," + System.nanoTime() + "," + e.server() + "," + e.complete() + "," + e.killed()
                    + "," + e.readOnly());
        }

        @Override
        public void onLease(LeaseEvent e) {
            lines.add("lease," + System.nanoTime() + "," + e.held());
        }
    }
}
