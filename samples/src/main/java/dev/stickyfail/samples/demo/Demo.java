package dev.stickyfail.samples.demo;

import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.Audit;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.ScenarioOptions;
import dev.stickyfail.testkit.workload.ScenarioResult;
import dev.stickyfail.testkit.workload.TimelineEvent;
import dev.stickyfail.testkit.workload.Topology;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one-command demo: two MariaDB servers in master-master replication (the testkit), writers through HikariCP
 * and {@code jdbc:stickyfail:}, the primary killed (or frozen, or cut off), brought back, and the story told live;
 * then a summary with the measured numbers. Exit code 0 only when the run met its guarantees.
 *
 * <p>{@code java -jar samples/target/stickyfail-demo.jar [--fault=kill|freeze|blackhole] [--duration=20s]
 * [--writers=8] [--rate=200] [--verbose]}
 */
public final class Demo {

    /** The run met its guarantees. */
    public static final int PASSED = 0;
    /** The run did not meet them. */
    public static final int FAILED = 1;
    /** Bad command line. */
    public static final int USAGE = 2;
    /** The demo itself broke (servers would not start, ...). */
    public static final int BROKEN = 3;

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--instances=3")) {
            setIfAbsent("org.slf4j.simpleLogger.logFile", "stickyfail-demo.log"); // the narration alone on stdout
            setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
            dev.stickyfail.samples.multi.MultiInstanceDemo.main(args);
            return;
        }
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("stickyfail demo: " + e.getMessage() + "\n\n" + DemoOptions.USAGE);
            System.exit(USAGE);
            return;
        }
        configureLogging(options);
        System.exit(run(options, System.out));
    }

    /**
     * Keeps the driver's, the pool's and the servers' logs out of the narration: into a file, or on stderr with
     * {@code --verbose}. Must run before any logger exists (slf4j-simple reads these once).
     */
    private static void configureLogging(DemoOptions options) {
        setIfAbsent("org.slf4j.simpleLogger.logFile", options.verbose() ? "System.err" : options.logFile().toString());
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Runs the demo as {@code args} say, narrating to {@code out}; returns the exit code. */
    public static int run(String[] args, PrintStream out) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("stickyfail demo: " + e.getMessage() + "\n\n" + DemoOptions.USAGE);
            return USAGE;
        }
        return run(options, out);
    }

    static int run(DemoOptions options, PrintStream out) {
        return execute(options, out).exitCode();
    }

    /** What a run of the demo produced: its exit code and, when it got that far, the measured run. */
    record Outcome(int exitCode, ScenarioResult result) {
    }

    static Outcome execute(DemoOptions options, PrintStream out) {
        if (options.help()) {
            out.println(DemoOptions.USAGE);
            return new Outcome(PASSED, null);
        }
        ScenarioOptions scenarioOptions = ScenarioOptions.defaults()
                .withWriters(options.writers())
                .withRate(options.rate())
                .withFault(options.fault())
                .withTotal(options.duration())
                .withTable("demo_writes");
        out.println("stickyfail demo: sticky failover for master-master MySQL/MariaDB, inside the application");
        out.println();
        out.printf(Locale.ROOT, "Starting two MariaDB servers in master-master replication (the first run unpacks MariaDB "
                + "into ~/.cache/stickyfail) ...%n");
        long start = System.nanoTime();
        ServerGroup group;
        try {
            group = ServerGroup.start(2);
        } catch (RuntimeException e) {
            out.println("Could not start the servers: " + e);
            return new Outcome(BROKEN, null);
        }
        try (group; Topology topology = Topology.forFault(group, options.fault())) {
            out.printf(Locale.ROOT, "  ready in %.1f s: db0 = %s (server_id %d, the primary), db1 = %s (server_id %d, the backup)%n",
                    (System.nanoTime() - start) / 1e9, group.server(0).hostAndPort(), group.server(0).serverId(),
                    group.server(1).hostAndPort(), group.server(1).serverId());
            if (options.fault().needsProxies()) {
                out.printf(Locale.ROOT, "  the application reaches them through fault proxies: db0 via %s, db1 via %s%n",
                        topology.clientAddress(0), topology.clientAddress(1));
            }
            FailoverScenario scenario = new FailoverScenario(topology, scenarioOptions, "demo-" + System.currentTimeMillis());
            Narrator[] narrator = new Narrator[1];
            DemoClients clients = new HikariPoolClients(topology, options.writers(), line -> {
                if (narrator[0] != null) {
                    narrator[0].line("  " + line);
                } else {
                    out.println("  " + line);
                }
            });
            narrator[0] = new Narrator(out, topology.labels(), clients::status);
            scenario.prepare();
            out.printf(Locale.ROOT, "  %d writers, %d writes/s in total, each write a new connection from the pool and one "
                    + "INSERT; %s%n", options.writers(), options.rate(), clients.description());
            out.println("  URL: " + clients.url());
            var workloadClients = clients.open(scenario);
            out.printf(Locale.ROOT, "Plan: db0 is %s at %.1f s and %s at %.1f s; the run ends %.1f s after that.%n",
                    options.fault().injectedText(), seconds(scenarioOptions.before()), options.fault().healedText(),
                    seconds(scenarioOptions.before().plus(scenarioOptions.outage())), seconds(scenarioOptions.after()));
            out.println("Logs of the driver, the pool and the servers: "
                    + (options.verbose() ? "stderr" : options.logFile().toAbsolutePath()));
            out.println();
            narrator[0].header();
            ScenarioResult result = scenario.run(workloadClients, narrator[0]);
            out.println();
            summary(result, out);
            return new Outcome(result.guaranteesMet() ? PASSED : FAILED, result);
        } catch (Exception e) {
            out.println();
            out.println("The demo broke: " + e);
            e.printStackTrace(out);
            return new Outcome(BROKEN, null);
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    static void summary(ScenarioResult r, PrintStream out) {
        List<String> labels = r.labels();
        String old = labels.get(r.faulted());
        int backup = r.backup();
        String next = backup >= 0 ? labels.get(backup) : "the backup";
        Audit audit = r.audit();
        out.println("Summary");
        StringBuilder perServer = new StringBuilder();
        for (int i = 0; i < labels.size(); i++) {
            perServer.append(i == 0 ? "" : ", ").append(labels.get(i)).append(' ').append(n(r.okOn(i)));
        }
        row(out, "writes committed", n(r.ok()) + " (" + perServer + ") of " + n(r.attempted()) + " attempted");
        row(out, "failed", n(r.failed()) + (r.failed() == 0 ? "" : " (" + r.failuresText() + ")"));
        for (Map.Entry<String, String> e : r.exampleErrors().entrySet()) {
            row(out, "  e.g. " + e.getKey(), shorten(e.getValue(), 160));
        }
        if (r.unfinished() > 0) {
            row(out, "still blocked at the end", n(r.unfinished()));
        }
        row(out, "held, then succeeded", n(r.held()) + " (took " + r.options().heldThreshold().toMillis()
                + " ms or more; the longest " + r.maxOkLatencyAfterFault().toMillis() + " ms; before the fault "
                + n(r.slowBeforeFault()) + " were that slow, p99 " + ms(r.p99BeforeFault()) + ")");
        Optional<TimelineEvent> sw = r.firstAfterFault(TimelineEvent.Kind.SWITCH);
        row(out, "fault -> switch", sw.map(e -> ms(Duration.ofNanos(e.atNanos() - r.faultAtNanos()))).orElse("no switch"));
        row(out, "fault -> first write on " + next, r.timeToFirstWriteOnBackup().map(Demo::ms).orElse("never"));
        r.lastFailureAfterFault().ifPresent(d -> row(out, "fault -> last failure", ms(d)));
        StringBuilder afterHeal = new StringBuilder();
        long total = 0;
        for (int i = 0; i < labels.size(); i++) {
            long n = r.okOnSince(i, r.healedAtNanos());
            total += n;
            afterHeal.append(i == 0 ? "" : ", ").append(labels.get(i)).append(' ').append(n(n));
        }
        row(out, "after " + old + " was back", n(total) + " writes (" + afterHeal + ")");
        row(out, "writes on " + old + " after " + next + "'s first", n(audit.writesOnOldAfterFirstOnNew())
                + "  (from the servers: @@server_id and NOW(6) of every row)");
        if (audit.writesOnOldAfterFirstOnNew() > 0) {
            row(out, "  sent before / after that write", n(audit.lateWritesSentBefore()) + " / "
                    + n(audit.lateWritesSentAfter()));
            audit.lateWrites().stream().limit(5).forEach(w -> row(out, "", String.format(Locale.ROOT,
                    "writer %d #%d: sent at %.3f s, executed by %s at %.3f s, the application saw %s", w.writer(),
                    w.seq(), w.sentMicros() / 1e6, old, w.executedMicros() / 1e6, w.seen())));
        }
        row(out, "replication", r.replication().ok() ? "caught up in " + ms(r.replication().took()) + ", healthy ("
                + r.replication().detail() + ")" : "NOT ok: " + r.replication().detail());
        row(out, "acknowledged but missing", n(audit.acknowledgedButMissing()));
        row(out, "failed, yet committed", n(audit.failedButCommittedTotal())
                + (audit.failedButCommitted().isEmpty() ? "" : " " + audit.failedButCommitted()
                + " (the outcome of a write in flight when its connection breaks is unknown)"));
        out.println();
        List<String> violations = r.violations();
        if (violations.isEmpty()) {
            out.println("PASS: nothing sent to " + old + " once " + next + " took writes, replication healthy, writes moved to "
                    + next + " and stayed there.");
            if (audit.writesOnOldAfterFirstOnNew() > 0) {
                out.println("  " + n(audit.writesOnOldAfterFirstOnNew()) + " write(s) already in flight when " + old
                        + " hung ran there when it woke (no client can take back bytes a server has received); their"
                        + " callers were told 08007: outcome unknown.");
            }
        } else {
            out.println("FAIL:");
            violations.forEach(v -> out.println("  - " + v));
        }
    }

    private static void row(PrintStream out, String name, String value) {
        out.printf(Locale.ROOT, "  %-36s %s%n", name, value);
    }

    private static String n(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String ms(Duration d) {
        return d.toMillis() + " ms";
    }

    private static String shorten(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
