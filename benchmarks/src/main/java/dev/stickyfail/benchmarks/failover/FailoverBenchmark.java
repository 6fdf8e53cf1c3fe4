package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.Fault;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.ScenarioResult;
import dev.stickyfail.testkit.workload.Topology;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The failover benchmark: for each fault (kill, freeze, blackhole) and each contender (stickyfail, Connector/J's
 * multi-host failover without and with timeouts, plain Connector/J through a real HAProxy without and with a local
 * peer), the same fixed-rate write workload through HikariCP, with the
 * primary broken and healed; then a plain-text table on stdout and a self-contained HTML report with one chart per
 * run. Contenders of one fault run one after the other, on the same servers (healed between runs).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.failover.FailoverBenchmark
 * --fault=all}; {@code --help} for the options. With {@code --instances=3}, the multi-instance mode
 * ({@link MultiInstanceBenchmark}).
 */
public final class FailoverBenchmark {

    /** What a benchmark invocation produced. */
    public record Outcome(int exitCode, List<Run> runs, Path report) {
    }

    private FailoverBenchmark() {
    }

    public static void main(String[] args) {
        if (Arrays.stream(args).anyMatch(a -> a.startsWith("--instances"))) {
            setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            System.exit(MultiInstanceBenchmark.run(args, System.out));
            return;
        }
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("failover benchmark: " + e.getMessage() + "\n\n" + BenchmarkOptions.USAGE);
            System.exit(2);
            return;
        }
        if (!options.help()) {
            Path log = options.report().resolveSibling(options.report().getFileName().toString().replaceFirst("\\.html?$", "") + ".log");
            setIfAbsent("org.slf4j.simpleLogger.logFile", options.verbose() ? "System.err" : log.toString());
            setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
            setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
            setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
            setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        }
        System.exit(run(options, System.out).exitCode());
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Runs as {@code args} say; the report goes where {@code --report} says. */
    public static Outcome run(String[] args, PrintStream out) {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("failover benchmark: " + e.getMessage() + "\n\n" + BenchmarkOptions.USAGE);
            return new Outcome(2, List.of(), null);
        }
        return run(options, out);
    }

    static Outcome run(BenchmarkOptions options, PrintStream out) {
        if (options.help()) {
            out.println(BenchmarkOptions.USAGE);
            return new Outcome(0, List.of(), null);
        }
        List<Contender> contenders = runnable(options.contenders(), out);
        List<Run> runs = new ArrayList<>();
        if (contenders.isEmpty()) {
            out.println("Nothing to run.");
            return new Outcome(0, runs, null);
        }
        try (ServerGroup group = ServerGroup.start(2)) {
            Environment env = Environment.capture(version(group));
            Optional<HaproxyContender> haproxy = contenders.stream().filter(HaproxyContender.class::isInstance)
                    .map(HaproxyContender.class::cast).findFirst();
            if (haproxy.isPresent()) {
                env = env.with("HAProxy", haproxy.get().version() + " (Debian package)");
            }
            out.println("Failover benchmark: " + options.writers() + " writers, " + options.rate() + " writes/s, "
                    + fmt(options.before()) + " before the fault, " + fmt(options.outage()) + " outage, "
                    + fmt(options.after()) + " after");
            env.facts().forEach((k, v) -> out.printf(Locale.ROOT, "  %-22s %s%n", k, v));
            int total = options.repeat() * options.faults().size() * contenders.size();
            int index = 0;
            for (int repeat = 1; repeat <= options.repeat(); repeat++) {
                for (Fault fault : options.faults()) {
                    for (Contender contender : contenders) {
                        index++;
                        if (!fault.isFailure() && !contender.name().startsWith("stickyfail")) {
                            out.printf(Locale.ROOT, "[%d/%d] %-9s %-14s skipped: an operator's switchTo is stickyfail's%n",
                                    index, total, fault.id(), contender.name());
                            continue;
                        }
                        group.heal(Duration.ofSeconds(90));
                        Run run = runOne(group, options, fault, contender, repeat);
                        runs.add(run);
                        ScenarioResult r = run.result();
                        out.printf(Locale.ROOT, "[%d/%d] %-9s %-14s to backup %-9s failed %-18s held %-5d old after new %s%s%n",
                                index, total, fault.id(), contender.name(),
                                r.timeToFirstWriteOnBackup().map(FailoverReport::ms).orElse("never"),
                                r.failed() == 0 ? "0" : r.failuresText(), r.held(),
                                r.audit().newServer() < 0 ? "-" : Long.toString(r.audit().writesOnOldAfterFirstOnNew()),
                                r.replication().ok() ? "" : "  REPLICATION NOT OK");
                    }
                }
            }
            env = env.with("load average at end", Environment.loadAverage());
            out.println();
            out.print(FailoverReport.table(runs));
            out.println();
            out.println(FailoverReport.LEGEND);
            Path report = options.report().toAbsolutePath();
            if (report.getParent() != null) {
                Files.createDirectories(report.getParent());
            }
            Files.writeString(report, FailoverReport.html(runs, env, options), StandardCharsets.UTF_8);
            out.println();
            out.println("HTML report: " + report);
            return new Outcome(0, runs, report);
        } catch (IOException | SQLException | RuntimeException e) {
            out.println("The benchmark broke: " + e);
            e.printStackTrace(out);
            return new Outcome(3, runs, null);
        }
    }

    /** The contenders that can run here; when HAProxy's cannot, one line says how to install it. */
    private static List<Contender> runnable(List<Contender> contenders, PrintStream out) {
        List<Contender> result = new ArrayList<>();
        boolean skipped = false;
        for (Contender c : contenders) {
            if (c instanceof HaproxyContender h && !h.available()) {
                skipped = true;
            } else {
                result.add(c);
            }
        }
        if (skipped) {
            out.println(HaproxyProcess.INSTALL_HINT);
        }
        return result;
    }

    private static Run runOne(ServerGroup group, BenchmarkOptions options, Fault fault, Contender contender, int repeat)
            throws SQLException {
        String runId = (fault.id() + "-" + contender.name() + "-" + repeat + "-" + System.currentTimeMillis())
                .replaceAll("[^A-Za-z0-9-]", "-");
        if (runId.length() > 64) {
            runId = runId.substring(runId.length() - 64);
        }
        try (Topology topology = Topology.forFault(group, fault)) {
            FailoverScenario scenario = new FailoverScenario(topology, options.scenario(fault), runId);
            scenario.prepare();
            String settings = contender.settings(scenario);
            List<WorkloadClient> clients = contender.open(scenario, options.writers());
            return new Run(fault, contender.name(), repeat, settings, scenario.run(clients, null));
        }
    }

    private static String version(ServerGroup group) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT VERSION()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String fmt(Duration d) {
        return dev.stickyfail.config.Durations.format(d);
    }
}
