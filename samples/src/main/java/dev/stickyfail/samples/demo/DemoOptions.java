package dev.stickyfail.samples.demo;

import dev.stickyfail.config.Durations;
import dev.stickyfail.testkit.workload.Fault;

import java.nio.file.Path;
import java.time.Duration;

/** The demo's command line. */
record DemoOptions(Fault fault, Duration duration, int writers, int rate, boolean verbose, Path logFile, boolean help) {

    static final String USAGE = String.join("\n",
            "Usage: java -jar samples/target/stickyfail-demo.jar [options]",
            "",
            "Starts two MariaDB servers in master-master replication, writes to them through HikariCP and",
            "jdbc:stickyfail:, breaks the primary, brings it back, and checks that no write landed on both sides.",
            "",
            "  --fault=kill|freeze|blackhole  what happens to the primary (default kill):",
            "                                 kill = SIGKILL, freeze = SIGSTOP (a hung server),",
            "                                 blackhole = the network to it swallows every byte (a fault proxy)",
            "  --duration=20s                 the whole run (at least 6s): a quarter before the fault, 30% outage,",
            "                                 the rest after the primary is back",
            "  --writers=8                    writer threads (and pooled connections)",
            "  --rate=200                     writes per second, all writers together",
            "  --log=FILE                     where driver, pool and server logs go (default stickyfail-demo.log)",
            "  --verbose                      show those logs on stderr instead",
            "  --help                         this text",
            "  --instances=3 [--fault=kill|cut-one|pause-one] [--clients]",
            "                                 three application instances (own JVMs, embedded Hazelcast members) share",
            "                                 one decision; the fault hits the primary, or one instance alone;",
            "                                 --clients: the instances are clients of three standalone members",
            "",
            "Exit code: 0 when the run met its guarantees (no write on the old server after the first write on",
            "the new one, replication healthy, writes reached the backup), 1 when it did not, 2 for a bad option.");

    static DemoOptions parse(String[] args) {
        Fault fault = Fault.KILL;
        Duration duration = Duration.ofSeconds(20);
        int writers = 8;
        int rate = 200;
        boolean verbose = false;
        boolean help = false;
        Path log = Path.of("stickyfail-demo.log");
        for (String arg : args) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
            switch (name) {
                case "--fault" -> fault = Fault.parse(required(name, value));
                case "--duration" -> duration = duration(name, required(name, value));
                case "--writers" -> writers = positive(name, required(name, value));
                case "--rate" -> rate = positive(name, required(name, value));
                case "--log" -> log = Path.of(required(name, value));
                case "--verbose" -> verbose = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (duration.compareTo(Duration.ofSeconds(6)) < 0) {
            throw new IllegalArgumentException("--duration must be at least 6s, was " + format(duration));
        }
        if (rate < writers) {
            throw new IllegalArgumentException("--rate (" + rate + ") must be at least --writers (" + writers + ")");
        }
        return new DemoOptions(fault, duration, writers, rate, verbose, log, help);
    }

    private static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " needs a value, e.g. " + name + "=" + example(name));
        }
        return value.trim();
    }

    private static String example(String name) {
        return switch (name) {
            case "--fault" -> "freeze";
            case "--duration" -> "60s";
            case "--log" -> "/tmp/demo.log";
            default -> "16";
        };
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0 && n <= 10_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // explained below
        }
        throw new IllegalArgumentException(name + " must be a whole number from 1 to 10000, was '" + value + "'");
    }

    static Duration duration(String name, String value) {
        Duration d = Durations.parseOrNull(value);
        if (d == null) {
            throw new IllegalArgumentException(name + " must be " + Durations.EXPECTED + ", was '" + value + "'");
        }
        return d;
    }

    static String format(Duration d) {
        return Durations.format(d);
    }
}
