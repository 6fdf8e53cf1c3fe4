package dev.stickyfail.samples.multi;

import dev.stickyfail.scenarios.MultiInstanceScenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code java -jar stickyfail-demo.jar --instances=3 [--fault=kill|cut-one|pause-one|restart-one|restart-all|rolling]}: three application instances in
 * their own JVMs share one decision through Hazelcast; the fault hits the primary, or one instance alone. Prints what
 * happened and exits 0 when no write landed on the old primary after the first write on the backup.
 */
public final class MultiInstanceDemo {

    private MultiInstanceDemo() {
    }

    public static void main(String[] args) throws Exception {
        MultiInstanceScenario.Fault fault = MultiInstanceScenario.Fault.CUT_ONE;
        for (String arg : args) {
            if (arg.startsWith("--fault=")) {
                String f = arg.substring("--fault=".length()).toUpperCase(Locale.ROOT).replace('-', '_');
                try {
                    fault = MultiInstanceScenario.Fault.valueOf(f);
                } catch (IllegalArgumentException e) {
                    System.err.println("stickyfail demo: --fault with --instances=3 is kill, cut-one, pause-one, restart-one, restart-all or rolling, not "
                            + arg.substring("--fault=".length()));
                    System.exit(2);
                }
            } else if (!arg.equals("--instances=3")) {
                System.err.println("stickyfail demo: with --instances=3 the only other option is --fault=kill|cut-one|pause-one|restart-one|restart-all|rolling");
                System.exit(2);
            }
        }
        Path dir = Files.createTempDirectory("stickyfail-multi-demo");
        System.out.println("Starting two MariaDB servers and three application instances (each its own JVM with an "
                + "embedded Hazelcast member; the CP Subsystem needs all three to form)...");
        MultiInstanceScenario.Result r;
        try (MultiInstanceScenario s = new MultiInstanceScenario(dir)) {
            s.start(Duration.ofSeconds(3), 2, 40);
            System.out.println("All three writing after " + s.startupMillis() + " ms. Fault: " + describe(fault));
            r = s.run(fault, Duration.ofSeconds(3), Duration.ofSeconds(4));
        }
        System.out.println();
        System.out.println("Every instance on the backup " + r.faultToAllOnBackupMillis() + " ms after the fault");
        r.finalStatus().forEach((name, status) -> System.out.println("  " + name + ": " + status));
        System.out.println("First write on the backup " + r.faultToFirstOnBackupMillis() + " ms after the fault");
        if (!r.restartToWritingMillis().isEmpty()) {
            System.out.println("Restarted or resumed instance(s) writing again after (ms): " + r.restartToWritingMillis());
        }
        System.out.println("Writes: " + r.writes() + "; failed, by instance and SQLState: " + r.failuresByInstance());
        System.out.println("Writes reported committed and missing: " + r.lost().size() + (r.lost().isEmpty() ? "" : " " + r.lost()));
        System.out.println("Rows on the old primary after the first row on the backup: " + r.rowsOnOldAfterFirstOnNew()
                + (r.misreported().isEmpty() ? " (every one, if any, was reported 08007)" : ", misreported: " + r.misreported()));
        System.out.println("Replication healthy afterwards: " + r.replicationHealthy());
        System.out.println(r.passed() ? "PASSED: one decision, no double write" : "FAILED");
        System.exit(r.passed() ? 0 : 1);
    }

    private static String describe(MultiInstanceScenario.Fault fault) {
        return switch (fault) {
            case KILL -> "the primary is killed";
            case CUT_ONE -> "one instance alone loses its network path to the primary (the others still reach it)";
            case PAUSE_ONE -> "one instance is paused (SIGSTOP) while another switches everybody, then resumed";
            case RESTART_ONE -> "the primary is killed; once it is back, one instance is restarted";
            case RESTART_ALL -> "the primary is killed; once it is back, all three instances restart from their state files";
            case ROLLING -> "an operator switches everybody to the backup, then each instance is restarted in turn, twice";
        };
    }
}
