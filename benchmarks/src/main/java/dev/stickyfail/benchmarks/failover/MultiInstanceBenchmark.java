package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.scenarios.MultiInstanceScenario;
import dev.stickyfail.scenarios.MultiInstanceScenario.Fault;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The failover benchmark's multi-instance mode ({@code --instances=3}): three application instances, each a JVM of its
 * own with a HikariCP pool, write to two real MariaDB masters while the primary is killed, one instance alone is cut
 * off from it, or one instance is paused while the others switch (and restarts, with {@code --fault}). Each fault runs
 * with the decision shared through Hazelcast, and with each instance deciding alone (what three instances, or peered
 * HAProxy instances, do without a shared decision), so the table shows what the shared decision changes.
 */
final class MultiInstanceBenchmark {

    static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.failover.FailoverBenchmark --instances=3 [options]",
            "",
            "Three application instances (JVMs of their own, HikariCP, 2 writers at 40 writes/s each) on two MariaDB masters.",
            "",
            "  --fault=kill,cut-one,pause-one      also restart-one, restart-all, rolling; all = every one (default",
            "                                      kill,cut-one,pause-one)",
            "  --contenders=shared,alone           shared = one decision in Hazelcast (an embedded member per instance);",
            "                                      alone = each instance decides alone, with a state file (default both)",
            "  --lease=3s                          stickyfail.lease of the shared runs",
            "  --before=3s --after=4s              writing before the fault, and after each step that heals it",
            "  --repeat=1                          runs of each fault and contender");

    private MultiInstanceBenchmark() {
    }

    static int run(String[] args, PrintStream out) {
        List<Fault> faults = List.of(Fault.KILL, Fault.CUT_ONE, Fault.PAUSE_ONE);
        List<String> contenders = List.of("shared", "alone");
        Duration lease = Duration.ofSeconds(3);
        Duration before = Duration.ofSeconds(3);
        Duration after = Duration.ofSeconds(4);
        int repeat = 1;
        try {
            for (String arg : args) {
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1).trim() : "";
                switch (name) {
                    case "--instances" -> {
                        if (!value.equals("3")) {
                            throw new IllegalArgumentException("--instances must be 3 (or left out), was '" + value + "'");
                        }
                    }
                    case "--fault", "--faults" -> faults = faults(value);
                    case "--contenders", "--contender" -> contenders = contenders(value);
                    case "--lease" -> lease = BenchmarkOptions.duration(name, value);
                    case "--before" -> before = BenchmarkOptions.duration(name, value);
                    case "--after" -> after = BenchmarkOptions.duration(name, value);
                    case "--repeat" -> repeat = BenchmarkOptions.number(name, value);
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg + " with --instances=3");
                }
            }
        } catch (IllegalArgumentException e) {
            out.println("failover benchmark: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
        out.println("Failover benchmark, three instances: " + faults.size() + " fault(s) x " + contenders.size()
                + " contender(s) x " + repeat + "; each run starts two MariaDB servers and three JVMs");
        Table table = new Table(new boolean[] {false, false, true, true, true, true, true, false, false, false},
                "fault", "decision", "all on backup", "first on backup", "back writing", "writes", "old after new",
                "misreported", "lost", "failed (SQLState: count, all instances)");
        int failedRuns = 0;
        for (int r = 1; r <= repeat; r++) {
            for (Fault fault : faults) {
                for (String contender : contenders) {
                    try {
                        Path dir = Files.createTempDirectory("stickyfail-multi-bench");
                        MultiInstanceScenario.Result result;
                        try (MultiInstanceScenario s = new MultiInstanceScenario(dir, contender.equals("shared"))) {
                            s.start(lease, 2, 40);
                            result = s.run(fault, before, after);
                        }
                        String[] row = row(result, contender);
                        table.add(row);
                        out.println(String.join("  ", row) + (result.replicationHealthy() ? "" : "  REPLICATION NOT OK"));
                    } catch (Exception e) {
                        failedRuns++;
                        out.println(fault + " " + contender + ": the run broke: " + e);
                    }
                }
            }
        }
        out.println();
        out.print(table);
        out.println();
        out.println("all on backup: from the fault until every instance routes to the backup (-: never); first on backup:");
        out.println("from the fault to the backup's first row (server clock); back writing: a restarted or resumed instance");
        out.println("writing again (ms, each); old after new: rows the old primary took after the backup's first row;");
        out.println("misreported: those whose caller was not told 08007 (outcome unknown); lost: writes reported committed");
        out.println("that are on neither server.");
        return failedRuns == 0 ? 0 : 3;
    }

    private static String[] row(MultiInstanceScenario.Result r, String contender) {
        Map<String, Long> failed = new TreeMap<>();
        r.failuresByInstance().values().forEach(m -> m.forEach((state, n) -> failed.merge(state, n, Long::sum)));
        return new String[] {
                r.fault().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                contender,
                r.faultToAllOnBackupMillis() < 0 ? "-" : r.faultToAllOnBackupMillis() + " ms",
                r.faultToFirstOnBackupMillis() < 0 ? "-" : r.faultToFirstOnBackupMillis() + " ms",
                r.restartToWritingMillis().isEmpty() ? "-" : r.restartToWritingMillis().stream().map(String::valueOf)
                        .collect(Collectors.joining(",")),
                Long.toString(r.writes()),
                Long.toString(r.rowsOnOldAfterFirstOnNew()),
                Integer.toString(r.misreported().size()),
                Integer.toString(r.lost().size()),
                failed.isEmpty() ? "0" : failed.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining(", "))};
    }

    private static List<Fault> faults(String value) {
        if (value.equalsIgnoreCase("all")) {
            return List.of(Fault.values());
        }
        List<Fault> result = new ArrayList<>();
        for (String f : value.split(",")) {
            try {
                result.add(Fault.valueOf(f.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--fault with --instances=3 takes "
                        + Arrays.stream(Fault.values()).map(x -> x.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                        .collect(Collectors.joining(", ")) + " or all, was '" + f + "'");
            }
        }
        return result;
    }

    private static List<String> contenders(String value) {
        List<String> result = new ArrayList<>();
        for (String c : value.split(",")) {
            String name = c.trim().toLowerCase(Locale.ROOT);
            if (!name.equals("shared") && !name.equals("alone")) {
                throw new IllegalArgumentException("--contenders with --instances=3 takes shared, alone or both, was '" + c + "'");
            }
            result.add(name);
        }
        return result;
    }
}
