package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.scenarios.MultiInstanceScenario;
import dev.stickyfail.scenarios.MultiInstanceScenario.Fault;
import dev.stickyfail.scenarios.MultiInstanceScenario.Options;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The failover benchmark's multi-instance mode ({@code --instances=3}, or {@code --instances=3,6,9}): application
 * instances, each a JVM of its own with a HikariCP pool, write to two real MariaDB masters while the primary is killed,
 * one instance alone is cut off from it, one instance is paused while the others switch, the primary and one instance
 * are lost together, a statement waits on the primary for a lock during a switch (and restarts, with {@code --fault}).
 * Each fault runs with the decision shared through Hazelcast (three instances: embedded members; more: clients of
 * three standalone members), optionally with {@code fenceReadOnly}, and with each instance deciding alone (what peered
 * HAProxy instances do), so the table shows what the shared decision changes, and how the switch scales.
 */
final class MultiInstanceBenchmark {

    static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.failover.FailoverBenchmark --instances=3 [options]",
            "",
            "Application instances (JVMs of their own, HikariCP, 2 writers at 40 writes/s each) on two MariaDB masters.",
            "",
            "  --instances=3                       instances per run; a list (3,6,9) runs each count. 3: embedded",
            "                                      members; more: Hazelcast clients of 3 standalone members",
            "  --clients                           clients of 3 standalone members for 3 instances too",
            "  --fault=kill,cut-one,pause-one      also freeze, blackhole (the primary, for every instance), one-host-lost,",
            "                                      lock-wait, restart-one, restart-all, rolling; all =",
            "                                      every one (default kill,cut-one,pause-one)",
            "  --contenders=shared,alone           shared = one decision in Hazelcast; shared-readonly = the same with",
            "                                      stickyfail.fenceReadOnly=true (fence user: the servers' root); alone =",
            "                                      each instance decides alone, with a state file (default shared,alone)",
            "  --lease=3s                          stickyfail.lease of the shared runs",
            "  --before=3s --after=4s              writing before the fault, and after each step that heals it",
            "  --repeat=1                          runs of each fault, count and contender");

    private MultiInstanceBenchmark() {
    }

    static int run(String[] args, PrintStream out) {
        List<Fault> faults = List.of(Fault.KILL, Fault.CUT_ONE, Fault.PAUSE_ONE);
        List<String> contenders = List.of("shared", "alone");
        List<Integer> counts = List.of(3);
        boolean clients = false;
        Duration lease = Duration.ofSeconds(3);
        Duration before = Duration.ofSeconds(3);
        Duration after = Duration.ofSeconds(4);
        int repeat = 1;
        try {
            for (String arg : args) {
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1).trim() : "";
                switch (name) {
                    case "--instances" -> counts = counts(value);
                    case "--clients" -> clients = true;
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
                    default -> throw new IllegalArgumentException("unknown option " + arg + " with --instances");
                }
            }
            if (counts.stream().anyMatch(n -> n != 3) && contenders.contains("alone")) {
                throw new IllegalArgumentException("--contenders=alone runs only with --instances=3");
            }
        } catch (IllegalArgumentException e) {
            out.println("failover benchmark: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
        out.println("Failover benchmark, several instances: " + faults.size() + " fault(s) x " + counts.size()
                + " count(s) x " + contenders.size() + " contender(s) x " + repeat + "; each run starts two MariaDB "
                + "servers and the instances' JVMs (and three standalone members for clients)");
        Table table = new Table(new boolean[] {false, false, true, true, true, true, true, true, true, true, true,
                true, false, false},
                "fault", "setup", "all switched", "first on backup", "all writing", "target", "back writing", "writes",
                "old after new", "sent after switch", "lost", "08001 outside lease", "held / lock-wait",
                "failed (SQLState: count, all instances)");
        int failedRuns = 0;
        for (int r = 1; r <= repeat; r++) {
            for (Fault fault : faults) {
                for (int n : counts) {
                    for (String contender : contenders) {
                        Options options = Options.defaults().withLease(lease).withShared(!contender.equals("alone"))
                                .withFenceReadOnly(contender.equals("shared-readonly")).withInstances(n)
                                .withClients(clients || n != 3);
                        try {
                            Path dir = Files.createTempDirectory("stickyfail-multi-bench");
                            MultiInstanceScenario.Result result;
                            long startup;
                            try (MultiInstanceScenario s = new MultiInstanceScenario(dir, options)) {
                                s.start();
                                startup = s.startupMillis();
                                result = s.run(fault, before, after);
                            }
                            String[] row = row(result, options, fault);
                            table.add(row);
                            out.println(String.join("  ", row) + "  startup " + startup + " ms  each "
                                    + result.firstOnBackupSummary()
                                    + (result.replicationHealthy() ? "" : "  REPLICATION NOT OK")
                                    + (result.passed() || !options.shared() ? "" : "  GUARANTEES NOT MET: " + result));
                        } catch (Exception e) {
                            failedRuns++;
                            out.println(fault.option() + " " + options.describe() + ": the run broke: " + e);
                        }
                    }
                }
            }
        }
        out.println();
        out.print(table);
        out.println();
        out.println("all switched: from the fault until every instance (not lost or paused) routes to the backup, by its");
        out.println("status (polled every 100 ms); first on backup: from the fault to the backup's first row; all writing:");
        out.println("from the fault until every such instance has a row on the backup (server clock; -: one never did);");
        out.println("target: the bound for this fault (one host lost: lease + detection + 1 s; pause: detection + 1 s with");
        out.println("fenceReadOnly, lease + 1 s without; kill 100 ms; freeze, blackhole 1 s), met or not by 'all writing' (one");
        out.println("host lost) or 'first on backup' (the others); back writing: a restarted or");
        out.println("resumed instance writing again (ms, each); old after new: rows the old primary ran after the backup's");
        out.println("first row; sent after switch: those whose write began after its own instance had left the old primary;");
        out.println("lost: writes reported committed that are on neither server; held / lock-wait: what the commit of the");
        out.println("transaction held across the pause, or the UPDATE that waited for a lock, was told.");
        return failedRuns == 0 ? 0 : 3;
    }

    /**
     * The target in ms for the faults the issues name (15: one host lost, a paused instance; 16: a killed primary left
     * within 100 ms, a frozen or cut-off one within 1 s), for this setup; -1 when none is named.
     */
    static long targetMillis(Fault fault, Options options) {
        long detection = 500; // a refused probe: at most one checkInterval; an operator's switch: none
        return switch (fault) {
            case ONE_HOST_LOST -> options.lease().toMillis() + detection + 1000;
            case PAUSE_ONE -> options.fenceReadOnly() ? 1000 : options.lease().toMillis() + 1000;
            case KILL -> 100;
            case FREEZE, BLACKHOLE -> 1000;
            default -> -1;
        };
    }

    private static String[] row(MultiInstanceScenario.Result r, Options options, Fault fault) {
        Map<String, Long> failed = new TreeMap<>();
        r.failuresByInstance().values().forEach(m -> m.forEach((state, n) -> failed.merge(state, n, Long::sum)));
        long target = options.shared() ? targetMillis(fault, options) : -1;
        long measured = fault == Fault.ONE_HOST_LOST ? r.faultToAllWritingMillis() : r.faultToFirstOnBackupMillis();
        String special = r.heldOutcome() != null ? "held: " + r.heldOutcome()
                : r.lockWait().map(o -> "lock-wait: " + o + (r.lockWaitCommittedOnOld() ? ", COMMITTED on old" : ""))
                .orElse("-");
        return new String[] {
                fault.option(),
                options.describe(),
                millis(r.faultToAllDecidedMillis()),
                millis(r.faultToFirstOnBackupMillis()),
                millis(r.faultToAllWritingMillis()),
                target < 0 ? "-" : String.format("%,d ms %s", target, measured >= 0 && measured <= target ? "met" : "NOT met"),
                r.restartToWritingMillis().isEmpty() ? "-" : r.restartToWritingMillis().stream().map(String::valueOf)
                        .collect(Collectors.joining(",")),
                String.format("%,d", r.writes()),
                Long.toString(r.rowsOnOldAfterFirstOnNew()),
                Integer.toString(r.sentAfterSwitch().size()),
                Integer.toString(r.lost().size()),
                Integer.toString(r.unexpected08001().size()),
                special,
                failed.isEmpty() ? "0" : failed.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining(", "))};
    }

    private static String millis(long ms) {
        return ms < 0 ? "-" : String.format("%,d ms", ms);
    }

    private static List<Integer> counts(String value) {
        List<Integer> result = new ArrayList<>();
        for (String c : value.split(",")) {
            try {
                int n = Integer.parseInt(c.trim());
                if (n < 3 || n > 12) {
                    throw new NumberFormatException();
                }
                result.add(n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--instances takes counts from 3 to 12, comma-separated, was '"
                        + value + "'");
            }
        }
        return result;
    }

    private static List<Fault> faults(String value) {
        if (value.equalsIgnoreCase("all")) {
            return List.of(Fault.values());
        }
        List<Fault> result = new ArrayList<>();
        for (String f : value.split(",")) {
            String option = f.trim();
            result.add(Arrays.stream(Fault.values()).filter(x -> x.option().equalsIgnoreCase(option)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--fault with --instances takes "
                            + Arrays.stream(Fault.values()).map(Fault::option).collect(Collectors.joining(", "))
                            + " or all, was '" + option + "'")));
        }
        return result;
    }

    private static List<String> contenders(String value) {
        List<String> result = new ArrayList<>();
        for (String c : value.split(",")) {
            String name = c.trim().toLowerCase(java.util.Locale.ROOT);
            if (!List.of("shared", "shared-readonly", "alone").contains(name)) {
                throw new IllegalArgumentException("--contenders with --instances takes shared, shared-readonly, alone "
                        + "or several, was '" + c + "'");
            }
            result.add(name);
        }
        return result;
    }
}
