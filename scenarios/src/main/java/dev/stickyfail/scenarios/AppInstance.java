package dev.stickyfail.scenarios;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One application instance of the multi-instance demo, in a JVM of its own: a HikariCP pool over a
 * {@code jdbc:stickyfail:} URL with the shared store, and writers at a fixed rate, each write in a small transaction.
 * Driven through standard input ({@code switchTo host:port}, {@code status}, {@code stop}); answers one line per
 * command on standard output. On {@code stop} it writes what each write's caller was told to a file, for the audit.
 */
public final class AppInstance {

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

        StickyFailDataSource ds = new StickyFailDataSource(a.get("url"));
        ds.setUser(a.get("user"));
        ds.setPassword(a.get("password"));
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(writers);
        hc.setMinimumIdle(writers);
        hc.setConnectionTimeout(60_000);
        hc.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(hc);

        Map<Long, String> outcomes = new ConcurrentHashMap<>();
        AtomicLong seq = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        long periodNanos = TimeUnit.SECONDS.toNanos(1) * writers / rate;
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            Thread t = new Thread(() -> {
                long next = System.nanoTime();
                while (!stop.get()) {
                    long s = seq.incrementAndGet();
                    try (Connection c = pool.getConnection()) {
                        c.setAutoCommit(false);
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                                + " (origin, ts, instance, seq) VALUES (@@server_id, NOW(6), ?, ?)")) {
                            ps.setString(1, name);
                            ps.setLong(2, s);
                            ps.executeUpdate();
                        }
                        c.commit();
                        outcomes.put(s, "OK");
                        ok.incrementAndGet();
                    } catch (SQLException e) {
                        outcomes.put(s, String.valueOf(e.getSQLState()));
                    }
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
                        + " lease=" + (admin == null ? "" : admin.coordination().leaseHeld())
                        + " ok=" + ok.get()
                        + " store=[" + (admin == null ? "" : admin.coordination().store()) + "]");
            } else if (line.equals("stop")) {
                break;
            }
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
        List<String> lines = new ArrayList<>();
        outcomes.forEach((s, o) -> lines.add(s + "," + o));
        Files.write(out, lines);
        pool.close();
        ds.close();
        stdout.println("DONE " + ok.get());
        System.exit(0);
    }
}
