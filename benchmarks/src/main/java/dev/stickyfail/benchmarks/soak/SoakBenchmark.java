package dev.stickyfail.benchmarks.soak;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerInfo;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.Fault;
import dev.stickyfail.testkit.workload.Topology;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The endurance (soak) run: {@code --switches} switches under load through one HikariCP pool over
 * {@code jdbc:stickyfail:} at default settings, two MariaDB servers (testkit, master-master GTID) reached through fault
 * proxies. Each cycle takes the active server and, in the rotation {@code --mix} gives, switches away from it with an
 * operator's {@code switchTo} (JMX), kills it, freezes it or cuts it off (blackhole); waits until the group switched
 * and a write committed on the other server; heals (restart, thaw, pass traffic); waits until the healed server is up
 * in the group and replication caught up; and checks that the group stays on the new server for {@code --hold}. The
 * next cycle so goes the other way. Threads, heap after GC, file descriptors and the application's sessions on each
 * server are sampled every {@code --sample-every} switches; at the end the servers' rows are audited
 * ({@link SoakAudit}) and the result checked against stated {@link Bounds}.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.soak.SoakBenchmark --switches=1000
 * --rate=200}; {@code --help} for the options. It prints one line per switch, so a run cut short still tells what it
 * reached, and writes {@code switches.csv}, {@code samples.csv}, {@code failures.csv} and {@code soak.svg} to
 * {@code --out} as it goes.
 */
public final class SoakBenchmark {

    private static final Duration POLL = Duration.ofMillis(20);

    private SoakBenchmark() {
    }

    /**
     * The bounds a run is checked against, each relative to the baseline sample: the one taken once every fault of
     * the mix ran once ({@link SoakOptions#warmUpSwitches()}; the driver starts its fence pool and other threads at a
     * fault's first occurrence). Threads count without the fault proxies' (the testkit's, in this JVM: a cached pool whose idle threads
     * live 60 s), as do file descriptors of their sockets (3 per proxied connection).
     *
     * @param threads           live threads, fault proxies' excluded, at any later sample: at most this many above
     *                          the baseline
     * @param stickyfailThreads threads named {@code stickyfail*}, at any later sample: at most this many above it
     * @param fds               open file descriptors, at any later sample: at most this many above it
     * @param heapMb            heap after GC, the last sample: at most this many MiB above it
     * @param sessions          the application's sessions on both servers together, at every sample: at most this
     *                          many above the pool's size (one probe session per server, and room for a fence's;
     *                          relative to the baseline it would not work: how many pooled connections are open on
     *                          the server, 8 or 16, depends on whether the last switch was planned or a failure)
     * @param failedPerSwitch   failed writes per switch: at most this many (the writers, the most that can be in
     *                          flight at once); and no writer fails twice in one switch (each failure is the one
     *                          request that writer had in flight on the server left)
     */
    public record Bounds(int threads, int stickyfailThreads, int fds, double heapMb, int sessions, int failedPerSwitch) {

        public static Bounds forRun(SoakOptions options) {
            return new Bounds(10, 4, 40, 32, 4, options.writers());
        }

        String text() {
            return String.format(Locale.ROOT, "threads +%d (stickyfail threads +%d), file descriptors +%d, heap after GC "
                    + "+%.0f MiB (last sample), all above the sample after every fault ran once; application sessions "
                    + "on both servers <= the pool's size + %d; failed writes per switch <= %d (the writers), at most 1 "
                    + "per writer", threads, stickyfailThreads, fds, heapMb, sessions, failedPerSwitch);
        }
    }

    /** What a run produced; {@code error} is empty when every switch completed. */
    public record Result(int exitCode, SoakOptions options, List<SwitchRecord> switches, List<Sample> samples,
                         List<Load.Failure> failures, Optional<SoakAudit> audit, List<String> violations,
                         Optional<String> error, Duration elapsed, long okWrites, Path out) {

        public boolean passed() {
            return exitCode == 0;
        }
    }

    public static void main(String[] args) {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage() + "\n\n" + SoakOptions.USAGE);
            System.exit(2);
            return;
        }
        if (!options.help() && !options.replot()) {
            setIfAbsent("org.slf4j.simpleLogger.logFile", options.verbose() ? "System.err"
                    : options.out().resolve("soak.log").toString());
            setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
            setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
            setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
            setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
            try {
                Files.createDirectories(options.out());
            } catch (IOException e) {
                System.err.println("soak: cannot create --out=" + options.out() + ": " + e);
                System.exit(2);
                return;
            }
        }
        System.exit(run(options, System.out).exitCode());
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Runs as {@code args} say; bad options give exit code 2 and the usage on {@code out}. */
    public static Result run(String[] args, PrintStream out) {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("soak: " + e.getMessage() + "\n\n" + SoakOptions.USAGE);
            return new Result(2, null, List.of(), List.of(), List.of(), Optional.empty(), List.of(),
                    Optional.of(e.getMessage()), Duration.ZERO, 0, null);
        }
        return run(options, out);
    }

    static Result run(SoakOptions options, PrintStream out) {
        if (options.help()) {
            out.println(SoakOptions.USAGE);
            return new Result(0, options, List.of(), List.of(), List.of(), Optional.empty(), List.of(), Optional.empty(),
                    Duration.ZERO, 0, null);
        }
        if (options.replot()) {
            return replot(options, out);
        }
        long start = System.nanoTime();
        List<SwitchRecord> switches = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        Optional<String> error = Optional.empty();
        Optional<SoakAudit> audit = Optional.empty();
        List<Load.Failure> failures = List.of();
        long okWrites = 0;
        Bounds bounds = Bounds.forRun(options);
        Path dir = options.out().toAbsolutePath();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve("switches.csv"));
            Files.deleteIfExists(dir.resolve("samples.csv"));
        } catch (IOException e) {
            out.println("soak: cannot write to " + dir + ": " + e);
            return new Result(2, options, switches, samples, failures, audit, List.of(), Optional.of(e.toString()),
                    Duration.ZERO, 0, dir);
        }
        String startedAt = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z"));
        String loadAtStart = Sampler.loadAverage();
        out.println("Soak: " + options.describe());
        out.println("  started " + startedAt + ", load average " + loadAtStart + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        out.println("  bounds: " + bounds.text());
        try (ServerGroup group = ServerGroup.start(2); Topology topology = Topology.proxied(group)) {
            out.println("  servers: " + version(group) + ", db0 and db1 through fault proxies; output in " + dir);
            Load.createTable(topology);
            String runId = "soak-" + System.currentTimeMillis();
            StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + topology.hostList() + "/"
                    + group.database());
            ds.setUser(group.appUser());
            ds.setPassword(group.appPassword());
            ds.setProperty("stickyfail.group", runId);
            GroupAdmin admin = ds.admin();
            Switches events = new Switches();
            admin.addListener(events);
            HikariConfig hc = new HikariConfig();
            hc.setPoolName("soak");
            hc.setMaximumPoolSize(options.pool());
            hc.setMinimumIdle(options.pool());
            hc.setDataSource(ds);
            try (HikariDataSource pool = new HikariDataSource(hc)) {
                Load load = new Load(topology, pool, options.writers(), options.rate());
                Cycle cycle = new Cycle(options, topology, admin, load, events);
                Sampler sampler = new Sampler(group, pool);
                try {
                    load.start();
                    cycle.warmUp();
                    sample(sampler, 0, samples, dir, out);
                    List<Fault> rotation = options.rotation(options.switches());
                    for (int i = 0; i < options.switches(); i++) {
                        long failedBefore = load.failedCount();
                        SwitchRecord r = cycle.run(i, rotation.get(i));
                        switches.add(r);
                        append(dir.resolve("switches.csv"), SwitchRecord.CSV_HEADER, r.csv());
                        out.printf(Locale.ROOT, "[%4d/%d] %-9s db%d->db%d switch %5d ms, first write %5d ms, failed %d "
                                        + "(in flight at the fault %d), up again %6d ms, %s%s%n", i + 1,
                                options.switches(), r.fault().id(), r.from(), r.to(), r.switchMillis(),
                                r.firstWriteMillis(), load.failedCount() - failedBefore, r.inFlight(), r.upAgainMillis(),
                                r.sticky() ? "sticky" : "NOT STICKY",
                                r.switchEvents() == 1 ? "" : " (" + r.switchEvents() + " switch events)");
                        if ((i + 1) % options.sampleEvery() == 0 || i + 1 == options.switches()
                                || i + 1 == options.warmUpSwitches()) {
                            sample(sampler, i + 1, samples, dir, out);
                        }
                    }
                } catch (SoakException e) {
                    error = Optional.of(e.getMessage());
                    out.println("The run stopped at switch " + (switches.size() + 1) + ": " + e.getMessage());
                } finally {
                    Load.Outcome outcome = load.stop(Duration.ofSeconds(30));
                    failures = outcome.failures();
                    okWrites = load.okTotal();
                    long endMicros = Load.nowMicros();
                    try {
                        topology.passThrough();
                        group.heal(options.healTimeout());
                        audit = Optional.of(SoakAudit.of(group, switches, endMicros, outcome));
                    } catch (AssertionError | SQLException | RuntimeException e) {
                        error = Optional.of(error.map(m -> m + "; ").orElse("") + "the audit failed: " + e.getMessage());
                        out.println("The audit failed: " + e);
                    }
                    writeFailures(dir.resolve("failures.csv"), failures, switches);
                    out.println("  failures by SQLState, first message of each: " + load.firstMessageByState());
                }
            } finally {
                ds.close();
            }
        } catch (SQLException | RuntimeException e) {
            error = Optional.of(error.map(m -> m + "; ").orElse("") + "the run broke: " + e);
            out.println("The soak run broke: " + e);
            e.printStackTrace(out);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        List<String> violations = SoakReport.violations(options, bounds, switches, samples, failures, audit);
        String report = SoakReport.summary(options, bounds, switches, samples, failures, audit, violations, error,
                elapsed, okWrites, startedAt, loadAtStart, Sampler.loadAverage());
        out.println();
        out.print(report);
        try {
            Files.writeString(dir.resolve("summary.txt"), report, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("soak.svg"), SoakReport.svg(switches, samples, failures, options), StandardCharsets.UTF_8);
            out.println("CSV, summary and plot: " + dir + " (switches.csv, samples.csv, failures.csv, summary.txt, soak.svg)");
        } catch (IOException e) {
            out.println("cannot write the report: " + e);
        }
        int code = error.isPresent() ? 3 : violations.isEmpty() ? 0 : 1;
        return new Result(code, options, List.copyOf(switches), List.copyOf(samples), failures, audit, violations, error,
                elapsed, okWrites, dir);
    }

    /** Redraws the plot from a run's CSV files and checks them against the bounds (the audit is not in them). */
    private static Result replot(SoakOptions options, PrintStream out) {
        Path dir = options.out().toAbsolutePath();
        try {
            List<SwitchRecord> switches = Files.readAllLines(dir.resolve("switches.csv")).stream().skip(1)
                    .map(SwitchRecord::parse).toList();
            List<Sample> samples = Files.readAllLines(dir.resolve("samples.csv")).stream().skip(1)
                    .map(Sample::parse).toList();
            List<Load.Failure> failures = Files.readAllLines(dir.resolve("failures.csv")).stream().skip(1)
                    .map(Load.Failure::parse).toList();
            Files.writeString(dir.resolve("soak.svg"), SoakReport.svg(switches, samples, failures, options),
                    StandardCharsets.UTF_8);
            List<String> violations = new ArrayList<>(SoakReport.violations(options, Bounds.forRun(options), switches,
                    samples, failures, Optional.empty()));
            violations.remove("no audit");
            out.print(SoakReport.faultTable(options, switches, failures, Optional.empty()));
            out.println("Redrew " + dir.resolve("soak.svg") + " from " + switches.size() + " switches, " + samples.size()
                    + " samples and " + failures.size() + " failures");
            out.println(violations.isEmpty() ? "Within the bounds (" + Bounds.forRun(options).text() + ")"
                    : "Outside the bounds:\n  - " + String.join("\n  - ", violations));
            return new Result(violations.isEmpty() ? 0 : 1, options, switches, samples, failures, Optional.empty(),
                    violations, Optional.empty(), Duration.ZERO, 0, dir);
        } catch (IOException | RuntimeException e) {
            out.println("soak: cannot redraw from the CSV files in " + dir + ": " + e);
            return new Result(2, options, List.of(), List.of(), List.of(), Optional.empty(), List.of(),
                    Optional.of(e.toString()), Duration.ZERO, 0, dir);
        }
    }

    private static void sample(Sampler sampler, int afterSwitches, List<Sample> samples, Path dir, PrintStream out) {
        Sample s = sampler.take(afterSwitches);
        samples.add(s);
        append(dir.resolve("samples.csv"), Sample.CSV_HEADER, s.csv());
        out.printf(Locale.ROOT, "  sample after %d switches (%.0f s): threads %d (stickyfail %d, fault proxies %d), heap "
                        + "after GC %.1f MiB, fds %d, sessions db0 %d db1 %d, pool %d, load %s%n", afterSwitches,
                s.elapsedSeconds(), s.threads(), s.stickyfailThreads(), s.proxyThreads(), s.heapMb(), s.fds(),
                s.sessions()[0], s.sessions()[1], s.poolConnections(), s.loadAverage());
    }

    private static void append(Path file, String header, String line) {
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, header + "\n", StandardCharsets.UTF_8);
            }
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeFailures(Path file, List<Load.Failure> failures, List<SwitchRecord> switches) {
        StringBuilder sb = new StringBuilder("switch,writer,seq,sent_us,end_us,sqlstate\n");
        for (Load.Failure f : failures) {
            sb.append(SoakReport.switchOf(switches, f.endMicros())).append(',').append(f.writer()).append(',')
                    .append(f.seq()).append(',').append(f.sentMicros()).append(',').append(f.endMicros()).append(',')
                    .append(f.sqlState()).append('\n');
        }
        try {
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the summary has the counts
        }
    }

    private static String version(ServerGroup group) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT VERSION()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A cycle could not complete (no switch, no write on the new server, a server not back): the run ends there. */
    static final class SoakException extends Exception {
        SoakException(String message) {
            super(message);
        }
    }

    /** The group's switch events, each with when it arrived. */
    static final class Switches implements StickyFailListener {
        record Seen(long atMicros, String from, String to, long epoch, int evicted, String reason) {
        }

        final List<Seen> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onSwitch(SwitchEvent e) {
            seen.add(new Seen(Load.nowMicros(), String.valueOf(e.from()), String.valueOf(e.to()), e.epoch(), e.evicted(),
                    e.reason()));
        }

        int size() {
            return seen.size();
        }
    }

    /** One switch: inject, wait for the switch and a write on the new server, heal, wait until back, hold. */
    private static final class Cycle {
        private final SoakOptions options;
        private final Topology topology;
        private final GroupAdmin admin;
        private final Load load;
        private final Switches events;

        Cycle(SoakOptions options, Topology topology, GroupAdmin admin, Load load, Switches events) {
            this.options = options;
            this.topology = topology;
            this.admin = admin;
            this.load = load;
            this.events = events;
        }

        /** Until the group decided, both servers are up and writes succeed. */
        void warmUp() throws SoakException {
            until("the group to decide, both servers to be up and 2 s of writes", options.healTimeout(),
                    () -> admin.activeServer().isPresent() && state(0).equals("UP") && state(1).equals("UP")
                            && load.okTotal() >= Math.max(10, options.rate() * 2L));
        }

        SwitchRecord run(int index, Fault fault) throws SoakException {
            int from = active();
            int to = (from + 1) % topology.size();
            String toName = topology.clientAddress(to);
            int eventsBefore = events.size();
            long injected = Load.nowMicros();
            load.watchFrom(injected);
            int inFlight = load.inFlight();
            try {
                fault.inject(topology, from);
            } catch (RuntimeException e) {
                throw new SoakException(fault.id() + " of db" + from + " failed: " + e);
            }
            until("a switch from db" + from + " to db" + to + " and a write there after " + fault.id(),
                    options.switchTimeout(), () -> admin.activeServer().filter(toName::equals).isPresent()
                            && load.firstOkSince(to) > 0);
            long firstWrite = load.firstOkSince(to);
            try {
                fault.heal(topology, from);
                topology.group().heal(options.healTimeout());
            } catch (RuntimeException | AssertionError e) {
                throw new SoakException("healing db" + from + " after " + fault.id() + " failed: " + e.getMessage());
            }
            until("db" + from + " up again in the group after " + fault.id(), options.healTimeout(),
                    () -> state(from).equals("UP"));
            long upAgain = Load.nowMicros();
            boolean sticky = true;
            long holdEnd = System.nanoTime() + options.hold().toNanos();
            while (System.nanoTime() - holdEnd < 0) {
                if (!admin.activeServer().filter(toName::equals).isPresent()) {
                    sticky = false;
                    break;
                }
                LockSupport.parkNanos(POLL.toNanos()); // sampling the active server during the hold
            }
            List<Switches.Seen> mine = events.seen.subList(eventsBefore, events.size());
            long switchMicros = mine.isEmpty() ? -1 : mine.get(0).atMicros() - injected;
            int evicted = mine.isEmpty() ? 0 : mine.get(0).evicted();
            return new SwitchRecord(index, fault, from, to, injected, inFlight, switchMicros / 1000,
                    (firstWrite - injected) / 1000, (upAgain - injected) / 1000, mine.size(),
                    sticky && mine.size() == 1, evicted);
        }

        private int active() throws SoakException {
            String active = admin.activeServer().orElseThrow(() -> new SoakException("the group has no active server"));
            for (int i = 0; i < topology.size(); i++) {
                if (topology.clientAddress(i).equals(active)) {
                    return i;
                }
            }
            throw new SoakException("the active server " + active + " is none of " + topology.hostList());
        }

        private String state(int index) {
            String name = topology.clientAddress(index);
            for (ServerInfo s : admin.servers()) {
                if (s.getServer().equals(name)) {
                    return s.getState();
                }
            }
            return "?";
        }

        private static void until(String what, Duration timeout, BooleanSupplier condition) throws SoakException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new SoakException("waited " + timeout.toMillis() + " ms for " + what + " in vain");
                }
                LockSupport.parkNanos(POLL.toNanos()); // a bounded poll with a deadline
            }
        }
    }
}
