package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.ChildJvm;
import dev.stickyfail.testkit.FaultProxy;
import dev.stickyfail.testkit.ProxiedGroup;
import dev.stickyfail.testkit.ServerGroup;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The false-switch suite: the primary is healthy, and things that look like a failure happen to it, or to the
 * application, under the failover benchmark's load (HikariCP, 16 writers, 400 writes/s). stickyfail must not switch.
 * Each run starts the application in a JVM of its own ({@link HostileApp}), so that the JVM itself can be paused.
 *
 * <ul>
 *   <li>{@code pause}: the application's JVM is stopped (SIGSTOP) for 2 s, as by a long GC pause, while a probe of the
 *   primary is in flight, then resumed: that probe, and every request in flight, looks 2 s late.</li>
 *   <li>{@code cpu}: the primary's CPU is saturated by 16 sessions running {@code BENCHMARK()} for 5 s: probes are
 *   slow, but answered.</li>
 *   <li>{@code stall}: the network between the application and the primary stalls for 300 ms (the fault proxy holds
 *   every byte, both ways, and then delivers it, as TCP does after a retransmission).</li>
 *   <li>{@code slow-probe}: one probe of the primary answers 1 s late (it waits before it pings) among fast ones.</li>
 *   <li>{@code max-connections}: the primary is full ({@code max_connections} lowered to what is connected), the
 *   probe's session is killed and the pool renews every connection for 3 s: a burst of "Too many connections"
 *   ({@code 08004}) on every new login, the probe's included.</li>
 * </ul>
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.failover.HostileBenchmark --repeat=10};
 * {@code --help} for the options.
 */
public final class HostileBenchmark {

    /** One disturbance of the suite. */
    enum Case {
        PAUSE, CPU, STALL, SLOW_PROBE, MAX_CONNECTIONS;

        String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Case parse(String s) {
            for (Case c : values()) {
                if (c.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new IllegalArgumentException("'" + s + "' is not a case; expected one of "
                    + Arrays.stream(values()).map(Case::id).collect(Collectors.joining(", ")));
        }
    }

    static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.failover.HostileBenchmark [options]",
            "",
            "The primary stays healthy while something that looks like a failure happens; counts stickyfail's switches.",
            "",
            "  --cases=all|pause,cpu,stall,slow-probe,max-connections   (default all)",
            "  --repeat=10                 runs of each case",
            "  --writers=16 --rate=400     the application's load (HikariCP, one connection per writer)",
            "  --before=3s --after=4s      writing before the disturbance and after it ends",
            "  --props=key=value&...       added to the application's stickyfail URL",
            "  --verbose                   the application's logs on stderr (default: a file per run in a temp directory)");

    private HostileBenchmark() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** @return 0 when every run of every case ended without a switch, 1 when one switched, 2 on bad options, 3 broken */
    static int run(String[] args, PrintStream out) {
        List<Case> cases = List.of(Case.values());
        int repeat = 10;
        int writers = 16;
        int rate = 400;
        Duration before = Duration.ofSeconds(3);
        Duration after = Duration.ofSeconds(4);
        String props = "";
        boolean verbose = false;
        try {
            for (String arg : args) {
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1).trim() : "";
                switch (name) {
                    case "--cases", "--case" -> cases = value.equalsIgnoreCase("all") ? List.of(Case.values())
                            : Arrays.stream(value.split(",")).map(Case::parse).toList();
                    case "--repeat" -> repeat = BenchmarkOptions.number(name, value);
                    case "--writers" -> writers = BenchmarkOptions.number(name, value);
                    case "--rate" -> rate = BenchmarkOptions.number(name, value);
                    case "--before" -> before = BenchmarkOptions.duration(name, value);
                    case "--after" -> after = BenchmarkOptions.duration(name, value);
                    case "--props" -> props = value;
                    case "--verbose" -> verbose = true;
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
        } catch (IllegalArgumentException e) {
            out.println("hostile benchmark: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
        Map<Case, List<Map<String, String>>> results = new LinkedHashMap<>();
        try (ServerGroup group = ServerGroup.start(2); ProxiedGroup proxied = ProxiedGroup.start(group)) {
            Path dir = Files.createTempDirectory("stickyfail-hostile");
            try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS hostile_writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                        + "writer INT NOT NULL, seq BIGINT NOT NULL)");
            }
            group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
            out.println("False-switch suite: " + writers + " writers, " + rate + " writes/s, " + fmt(before)
                    + " before each disturbance, " + fmt(after) + " after; " + repeat + " run(s) of each of "
                    + cases.stream().map(Case::id).collect(Collectors.joining(", ")) + "; load average "
                    + Environment.loadAverage() + "; application logs in " + dir);
            int index = 0;
            for (int r = 1; r <= repeat; r++) {
                for (Case c : cases) {
                    index++;
                    group.heal(Duration.ofSeconds(60));
                    proxied.proxies().forEach(FaultProxy::passThrough);
                    String url = "jdbc:stickyfail:mysql://" + proxied.hostList() + "/" + group.database()
                            + "?stickyfail.group=hostile&stickyfail.check=slow-once"
                            + "&stickyfail.checkUser=" + group.probeUser() + "&stickyfail.checkPassword=" + group.probePassword()
                            + (props.isEmpty() ? "" : "&" + props);
                    Path log = dir.resolve(c.id() + "-" + r + ".log");
                    Map<String, String> result;
                    try (App app = App.start(url, group, proxied.proxy(0).hostAndPort(), writers, rate, log, verbose)) {
                        LockSupport.parkNanos(before.toNanos()); // the run's schedule, not a synchronisation
                        String detail = disturb(c, group, proxied, app);
                        LockSupport.parkNanos(after.toNanos());
                        result = app.stop();
                        result.put("detail", detail);
                    }
                    results.computeIfAbsent(c, k -> new ArrayList<>()).add(result);
                    out.printf(Locale.ROOT, "[%d/%d] %-15s switches %s  marked down %s  failed probes %-3s slowest probe %5s ms  "
                                    + "writes ok %-5s failed %s  %s%n", index, repeat * cases.size(), c.id(),
                            result.get("switches"), result.get("down"), result.get("probeFailures"),
                            result.get("slowestProbeMs"), result.get("ok"), result.get("failed"), result.get("detail"));
                }
            }
        } catch (IOException | SQLException | RuntimeException e) {
            out.println("The benchmark broke: " + e);
            e.printStackTrace(out);
            return 3;
        }
        out.println();
        out.print(summary(results));
        out.println("switches: switches away from the healthy primary, per run; marked down: times a server was marked");
        out.println("down; failed probes: probe results other than a pass (counted or not); logins refused: the application's");
        out.println("connection attempts the server answered with an error (08004: too many connections); writes failed:");
        out.println("by SQLState, all runs together.");
        boolean clean = results.values().stream().flatMap(List::stream).allMatch(m -> m.get("switches").equals("0"));
        return clean ? 0 : 1;
    }

    static Table summary(Map<Case, List<Map<String, String>>> results) {
        Table t = new Table(new boolean[] {false, true, false, true, true, true, true, true, false},
                "case", "runs", "switches per run", "runs with a switch", "marked down", "failed probes",
                "slowest probe", "logins refused", "writes failed (all runs)");
        results.forEach((c, runs) -> {
            Map<String, Long> failed = new java.util.TreeMap<>();
            for (Map<String, String> m : runs) {
                String f = m.get("failed");
                for (String kv : f.substring(1, f.length() - 1).split(",")) {
                    if (kv.contains("=")) {
                        failed.merge(kv.substring(0, kv.indexOf('=')), Long.parseLong(kv.substring(kv.indexOf('=') + 1)),
                                Long::sum);
                    }
                }
            }
            t.add(c.id(), Integer.toString(runs.size()),
                    runs.stream().map(m -> m.get("switches")).collect(Collectors.joining(" ")),
                    Long.toString(runs.stream().filter(m -> !m.get("switches").equals("0")).count()),
                    Long.toString(runs.stream().mapToLong(m -> Long.parseLong(m.get("down"))).sum()),
                    range(runs, "probeFailures"),
                    runs.stream().mapToLong(m -> Long.parseLong(m.get("slowestProbeMs"))).max().orElse(0) + " ms",
                    range(runs, "refusedByServer"),
                    failed.isEmpty() ? "0" : failed.toString());
        });
        return t;
    }

    private static String range(List<Map<String, String>> runs, String key) {
        long min = runs.stream().mapToLong(m -> Long.parseLong(m.get(key))).min().orElse(0);
        long max = runs.stream().mapToLong(m -> Long.parseLong(m.get(key))).max().orElse(0);
        return min == max ? Long.toString(min) : min + "-" + max;
    }

    /** Does the case's disturbance to a healthy primary, and undoes it; returns what was done, measured. */
    private static String disturb(Case c, ServerGroup group, ProxiedGroup proxied, App app) throws SQLException {
        switch (c) {
            case PAUSE -> {
                // paused while a probe of the primary is in flight (it waits 150 ms before its ping): when the JVM
                // resumes that probe has run 2 s by the clock, the case a pause-blind deadline counts as a timeout
                app.command("slow-probe 150");
                app.await("PROBING", 30);
                long start = System.nanoTime();
                app.signal("STOP");
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
                app.signal("CONT");
                return "application JVM stopped for " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                        + " ms while a probe of the primary was in flight";
            }
            case CPU -> {
                return saturate(group, 16, Duration.ofSeconds(5));
            }
            case STALL -> {
                long start = System.nanoTime();
                proxied.proxy(0).partition();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
                proxied.proxy(0).passThrough();
                return "network to the primary stalled for " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms";
            }
            case SLOW_PROBE -> {
                app.command("slow-probe 1000");
                return "the primary's next probe answers 1000 ms late";
            }
            case MAX_CONNECTIONS -> {
                return full(group, app, Duration.ofSeconds(3));
            }
            default -> throw new IllegalStateException(c.toString());
        }
    }

    /** {@code sessions} sessions on the primary run CPU-bound queries for {@code length}. */
    private static String saturate(ServerGroup group, int sessions, Duration length) {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> burners = new ArrayList<>();
        long[] queries = new long[sessions];
        for (int i = 0; i < sessions; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try (Connection c = group.appConnection(0); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        st.executeQuery("SELECT BENCHMARK(2000000, MD5(RAND()))").close();
                        queries[n]++;
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException("a CPU-bound session failed: " + e.getMessage(), e);
                }
            }, "hostile-cpu-" + i);
            t.setDaemon(true);
            t.start();
            burners.add(t);
        }
        LockSupport.parkNanos(length.toNanos());
        stop.set(true);
        for (Thread t : burners) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return sessions + " CPU-bound sessions on the primary for " + length.toSeconds() + " s ("
                + Arrays.stream(queries).sum() + " queries)";
    }

    /**
     * The primary is made full: {@code max_connections} is lowered below what is connected, and another client (this
     * benchmark) takes every slot that frees up; then the probe's session is killed (its next probe must log in again)
     * and the pool renews every connection. Restored after {@code length}.
     */
    private static String full(ServerGroup group, App app, Duration length) throws SQLException {
        try (Connection root = group.adminConnection(0); Statement st = root.createStatement()) {
            long max;
            try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.max_connections")) {
                rs.next();
                max = rs.getLong(1);
            }
            st.execute("SET GLOBAL max_connections = " + FULL);
            AtomicBoolean stop = new AtomicBoolean();
            List<Connection> taken = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread other = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        taken.add(group.appConnection(0));
                    } catch (SQLException refused) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the other client retries at once
                    }
                }
            }, "hostile-other-client");
            other.setDaemon(true);
            other.start();
            try {
                List<Long> probes = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '"
                        + group.probeUser() + "'")) {
                    while (rs.next()) {
                        probes.add(rs.getLong(1));
                    }
                }
                for (long id : probes) {
                    st.execute("KILL CONNECTION " + id);
                }
                app.command("evict");
                LockSupport.parkNanos(length.toNanos());
                return "max_connections " + max + " -> " + FULL + " for " + length.toSeconds() + " s, every free slot "
                        + "taken by another client (" + taken.size() + " sessions), the probe's session killed, the pool "
                        + "renewed";
            } finally {
                stop.set(true);
                try {
                    other.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                st.execute("SET GLOBAL max_connections = " + max);
                for (Connection c : taken) {
                    c.close();
                }
            }
        }
    }

    /** MariaDB's and MySQL's smallest max_connections; below what the application alone holds. */
    private static final int FULL = 10;

    private static String fmt(Duration d) {
        return dev.stickyfail.config.Durations.format(d);
    }

    /** {@link HostileApp} in a JVM of its own. */
    static final class App implements AutoCloseable {
        private final ChildJvm jvm;

        private App(Process process, Path log) {
            this.jvm = new ChildJvm("the application", process, line -> true, log.toString());
        }

        static App start(String url, ServerGroup group, String primary, int writers, int rate, Path log,
                         boolean verbose) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                    "-cp", System.getProperty("java.class.path"), HostileApp.class.getName(),
                    "--url=" + url, "--user=" + group.appUser(), "--password=" + group.appPassword(),
                    "--table=hostile_writes", "--writers=" + writers, "--rate=" + rate, "--primary=" + primary));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (verbose) {
                pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            } else {
                pb.redirectError(log.toFile());
            }
            App app = new App(pb.start(), log);
            app.await("READY", 120);
            return app;
        }

        String await(String prefix, long seconds) {
            return jvm.await(prefix, seconds);
        }

        void command(String line) {
            jvm.command(line, "OK", 30);
        }

        void signal(String sig) {
            jvm.signal(sig);
        }

        Map<String, String> stop() {
            String line = jvm.command("stop", "RESULT", 60);
            Map<String, String> m = new LinkedHashMap<>();
            for (String kv : line.substring("RESULT ".length()).split(" ")) {
                m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            return m;
        }

        @Override
        public void close() {
            jvm.close();
        }
    }
}
