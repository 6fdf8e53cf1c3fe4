package dev.stickyfail.samples.multi;

import dev.stickyfail.scenarios.MultiInstanceScenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code java -jar stickyfail-demo.jar --instances=3 [--fault=kill|cut-one|pause-one|one-host-lost|lock-wait|restart-one|restart-all|rolling] [--clients]}:
 * three application instances in their own JVMs share one decision through Hazelcast (embedded members, or with
 * {@code --clients} clients of three standalone members); the fault hits the primary, one instance alone, or both. Prints what happened and exits 0 when the run met the guarantees ({@code Result.passed()}):
 * no write on the old primary after the first write on the backup, every instance writing on the backup.
 */
public final class MultiInstanceDemo {

    private static final String FAULTS = java.util.Arrays.stream(MultiInstanceScenario.Fault.values())
            .map(MultiInstanceScenario.Fault::option).collect(java.util.stream.Collectors.joining(", "));

    private MultiInstanceDemo() {
    }

    public static void main(String[] args) throws Exception {
        MultiInstanceScenario.Fault fault = MultiInstanceScenario.Fault.CUT_ONE;
        boolean clients = false;
        for (String arg : args) {
            if (arg.startsWith("--fault=")) {
                String f = arg.substring("--fault=".length()).toUpperCase(Locale.ROOT).replace('-', '_');
                try {
                    fault = MultiInstanceScenario.Fault.valueOf(f);
                } catch (IllegalArgumentException e) {
                    System.err.println("stickyfail demo: --fault with --instances=3 is " + FAULTS + ", not "
                            + arg.substring("--fault=".length()));
                    System.exit(2);
                }
            } else if (arg.equals("--clients")) {
                clients = true;
            } else if (!arg.equals("--instances=3")) {
                System.err.println("stickyfail demo: with --instances=3 the only other options are --fault="
                        + FAULTS.replace(", ", "|") + " and --clients, not " + arg);
                System.exit(2);
            }
        }
        Path dir = Files.createTempDirectory("stickyfail-multi-demo");
        System.out.println(clients
                ? "Starting two MariaDB servers, three standalone Hazelcast members (the CP Subsystem) and three "
                        + "application instances, each its own JVM and a client of those members..."
                : "Starting two MariaDB servers and three application instances (each its own JVM with an "
                        + "embedded Hazelcast member; the CP Subsystem needs all three to form)...");
        MultiInstanceScenario.Result r;
        try (MultiInstanceScenario s = new MultiInstanceScenario(dir,
                MultiInstanceScenario.Options.defaults().withClients(clients))) {
            s.start();
            System.out.println("All three writing after " + s.startupMillis() + " ms. Fault: " + describe(fault));
            r = s.run(fault, Duration.ofSeconds(3), Duration.ofSeconds(4));
        }
        System.out.println();
        System.out.println("Every instance had switched " + r.faultToAllDecidedMillis() + " ms after the fault, and was writing "
                + "on the backup " + r.faultToAllWritingMillis() + " ms after it (each: " + r.firstOnBackupSummary() + ")");
        r.finalStatus().forEach((name, status) -> System.out.println("  " + name + ": " + status));
        System.out.println("First write on the backup " + r.faultToFirstOnBackupMillis() + " ms after the fault");
        if (!r.restartToWritingMillis().isEmpty()) {
            System.out.println("Restarted or resumed instance(s) writing again after (ms): " + r.restartToWritingMillis());
        }
        System.out.println("Writes: " + r.writes() + "; failed, by instance and SQLState: " + r.failuresByInstance());
        System.out.println("Writes reported committed and missing: " + r.lost().size() + (r.lost().isEmpty() ? "" : " " + r.lost()));
        System.out.println("Rows on the old primary after the first row on the backup: " + r.rowsOnOldAfterFirstOnNew()
                + (r.sentAfterSwitch().isEmpty() ? "" : "; sent after their instance had left it: " + r.sentAfterSwitch()));
        r.lockWait().ifPresent(o -> System.out.println("The UPDATE that waited for a lock on the old primary was told " + o
                + (r.lockWaitCommittedOnOld() ? " and COMMITTED there" : " and did not commit there")));
        if (r.heldOutcome() != null) {
            System.out.println("The transaction held open across the pause, at its commit: " + r.heldOutcome());
        }
        if (!r.unexpected08001().isEmpty()) {
            System.out.println("08001 outside a lease loss: " + r.unexpected08001());
        }
        System.out.println("Replication healthy afterwards: " + r.replicationHealthy());
        System.out.println(r.passed() ? "PASSED: one decision, nothing on the old primary after the switch" : "FAILED");
        System.exit(r.passed() ? 0 : 1);
    }

    private static String describe(MultiInstanceScenario.Fault fault) {
        return switch (fault) {
            case KILL -> "the primary is killed";
            case CUT_ONE -> "one instance alone loses its network path to the primary (the others still reach it)";
            case PAUSE_ONE -> "one instance is paused (SIGSTOP) with a transaction open while another switches everybody "
                    + "away from a primary that stays up, for longer than the lease, then resumed";
            case ONE_HOST_LOST -> "the primary and the instance that made the decision in force are killed together (one host lost)";
            case LOCK_WAIT -> "an UPDATE waits on the primary for a row lock while another instance switches everybody";
            case RESTART_ONE -> "the primary is killed; once it is back, one instance is restarted";
            case RESTART_ALL -> "the primary is killed; once it is back, all three instances restart from their state files";
            case ROLLING -> "an operator switches everybody to the backup, then each instance is restarted in turn, twice";
            case FREEZE -> "the primary hangs (SIGSTOP): every instance's connections to it stay open and get no answer";
            case BLACKHOLE -> "the primary is cut off from every instance (their network path swallows every byte)";
        };
    }
}
