package dev.stickyfail.benchmarks.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.event.ConnectionErrorEvent;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.probe.FailureKind;
import dev.stickyfail.probe.ProbeOutcome;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;

/**
 * The application of the {@link HostileBenchmark}, in a JVM of its own so that it can be paused (SIGSTOP) like a JVM
 * in a long GC pause: HikariCP over {@code jdbc:stickyfail:} and fixed-rate writers, counting what stickyfail did
 * (switches, servers marked down, failed probes) and what the writers saw. Driven through standard input:
 * {@code slow-probe <ms>} (the next probe of the primary answers that late, see {@link SlowOnceProbeFactory}),
 * {@code evict} (the pool renews every connection), {@code stop} (prints one {@code RESULT key=value ...} line and
 * exits).
 */
public final class HostileApp {

    private HostileApp() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        int writers = Integer.parseInt(a.get("writers"));
        int rate = Integer.parseInt(a.get("rate"));
        String table = a.get("table");
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        SlowOnceProbeFactory.primary = a.get("primary");

        StickyFailDataSource ds = new StickyFailDataSource(a.get("url"));
        ds.setUser(a.get("user"));
        ds.setPassword(a.get("password"));
        Counts counts = new Counts();
        ds.admin().addListener(counts);
        HikariConfig hc = Pools.config("hostile", writers);
        hc.setDataSource(ds);
        hc.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(hc);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        Map<String, AtomicLong> failed = new java.util.concurrent.ConcurrentHashMap<>();
        LongAccumulator slowest = new LongAccumulator(Math::max, 0);
        long periodNanos = TimeUnit.SECONDS.toNanos(1) * writers / rate;
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int index = w;
            Thread t = new Thread(() -> {
                long next = System.nanoTime() + index * periodNanos / writers;
                long seq = 0;
                while (!stop.get()) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait); // the writer's fixed pace
                        continue;
                    }
                    next = Math.max(next + periodNanos, System.nanoTime() - periodNanos);
                    long start = System.nanoTime();
                    try (Connection c = pool.getConnection();
                         PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (writer, seq) VALUES (?, ?)")) {
                        ps.setInt(1, index);
                        ps.setLong(2, seq++);
                        ps.executeUpdate();
                        ok.incrementAndGet();
                        slowest.accumulate(System.nanoTime() - start);
                    } catch (SQLException e) {
                        failed.computeIfAbsent(String.valueOf(e.getSQLState()), k -> new AtomicLong()).incrementAndGet();
                    }
                }
            }, "hostile-writer-" + w);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        while (ok.get() < writers) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // until every writer has written once
        }
        counts.reset();
        slowest.reset();
        SlowOnceProbeFactory.onSlowedCheck = () -> stdout.println("PROBING");
        stdout.println("READY " + ProcessHandle.current().pid());

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("slow-probe ")) {
                long millis = Long.parseLong(line.substring(11).trim());
                stdout.println("OK"); // before the slowed probe can say PROBING
                SlowOnceProbeFactory.slowNextBy(millis);
            } else if (line.equals("evict")) {
                pool.getHikariPoolMXBean().softEvictConnections();
                stdout.println("OK");
            } else if (line.equals("stop")) {
                break;
            }
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        stdout.println("RESULT switches=" + counts.switches.get() + " down=" + counts.down.get()
                + " goingDown=" + counts.goingDown.get() + " probeFailures=" + counts.probeFailures.get()
                + " slowestProbeMs=" + TimeUnit.NANOSECONDS.toMillis(counts.slowestProbe.get())
                + " passive=" + counts.passiveCounted.get() + " refusedByServer=" + counts.serverRefusals.get()
                + " ok=" + ok.get() + " slowestWriteMs=" + TimeUnit.NANOSECONDS.toMillis(slowest.get())
                + " failed=" + failed.toString().replace(" ", ""));
        pool.close();
        ds.close();
        System.exit(0);
    }

    /** What stickyfail reported while the disturbance ran. */
    static final class Counts implements StickyFailListener {
        final AtomicLong switches = new AtomicLong();
        final AtomicLong down = new AtomicLong();
        final AtomicLong goingDown = new AtomicLong();
        final AtomicLong probeFailures = new AtomicLong();
        final LongAccumulator slowestProbe = new LongAccumulator(Math::max, 0);
        final AtomicLong passiveCounted = new AtomicLong();
        final AtomicLong serverRefusals = new AtomicLong();

        void reset() {
            for (AtomicLong n : List.of(switches, down, goingDown, probeFailures, passiveCounted, serverRefusals)) {
                n.set(0);
            }
            slowestProbe.reset();
        }

        @Override
        public void onSwitch(SwitchEvent e) {
            if (e.from() != null) {
                switches.incrementAndGet();
            }
        }

        @Override
        public void onServerStateChange(ServerStateEvent e) {
            if (e.to() == ServerState.DOWN) {
                down.incrementAndGet();
            } else if (e.to() == ServerState.GOING_DOWN) {
                goingDown.incrementAndGet();
            }
        }

        @Override
        public void onProbe(ProbeEvent e) {
            if (e.result().outcome() != ProbeOutcome.PASS) {
                probeFailures.incrementAndGet();
            }
            slowestProbe.accumulate(e.latency().toNanos());
        }

        @Override
        public void onConnectionError(ConnectionErrorEvent e) {
            if (e.counted()) {
                passiveCounted.incrementAndGet();
            }
            if (e.kind() == FailureKind.SERVER) {
                serverRefusals.incrementAndGet();
            }
        }
    }
}
