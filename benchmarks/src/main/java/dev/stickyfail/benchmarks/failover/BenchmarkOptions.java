package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.config.Durations;
import dev.stickyfail.testkit.workload.Fault;
import dev.stickyfail.testkit.workload.ScenarioOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The failover benchmark's command line. */
record BenchmarkOptions(List<Fault> faults, List<Contender> contenders, int writers, int rate, Duration before,
                        Duration outage, Duration after, Duration heldThreshold, int repeat, Path report, boolean verbose,
                        boolean help) {

    static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.failover.FailoverBenchmark [options]",
            "",
            "Writers at a fixed rate through HikariCP; the primary is killed, frozen or cut off, then healed;",
            "the same workload runs through each contender, one after the other, on the same two MariaDB servers.",
            "",
            "  --fault=all|kill,freeze,blackhole,planned",
            "                                       faults to run (default all: every one but planned, an operator's",
            "                                       switchTo through JMX, which only stickyfail contenders run)",
            "  --contenders=all|stickyfail,stickyfail+hikari,cj,cj-timeouts,haproxy,haproxy-peers",
            "                                       who to run (default all); also stickyfail:<props>,",
            "                                       stickyfail+hikari:<props> and cj:<props>, props as key=value&key=value",
            "                                       added to the URL, and haproxy:<checks>, haproxy-peers:<checks> as",
            "                                       inter=500&fall=5&rise=2, and reload=3s: reload HAProxy 3 s after db0 is",
            "                                       back, then renew the pool",
            "  --writers=16                         writer threads (and pooled connections per contender)",
            "  --rate=400                           writes per second, all writers together",
            "  --before=5s --outage=10s --after=10s the phases: writing before the fault, the fault, after healing",
            "  --held-threshold=100ms               a write that succeeded after this long was held",
            "  --repeat=1                           runs of each fault and contender",
            "  --report=FILE                        the HTML report (default benchmarks/target/failover-report.html)",
            "  --verbose                            driver, pool and server logs on stderr (default: a file beside the report)",
            "",
            "Contenders: stickyfail = jdbc:stickyfail: at default settings; stickyfail+hikari = the same with stickyfail's",
            "HikariCP integration (the pool is retired when a switch starts); cj = jdbc:mysql://db0,db1/app?failOverReadOnly=false;",
            "cj-timeouts = cj plus connectTimeout=2000&socketTimeout=2000.",
            "haproxy = jdbc:mysql://127.0.0.1:<port>/app through a real HAProxy (option mysql-check, check inter 500 fall 5",
            "rise 2, db1 backup, on-marked-down shutdown-sessions, stick on int(1)); haproxy-peers = the same with a peers",
            "section naming the local peer. Both need Debian's haproxy (apt-get install haproxy); skipped without it.",
            "Set -Dcom.zaxxer.hikari.aliveBypassWindowMs=0 on the java command to have HikariCP validate every borrow.",
            "",
            "--instances=3: three application instances sharing one decision, against each deciding alone (--instances=3",
            "--help for its options).");

    static BenchmarkOptions parse(String[] args) {
        List<Fault> faults = failures();
        List<Contender> contenders = allContenders();
        int writers = 16;
        int rate = 400;
        Duration before = Duration.ofSeconds(5);
        Duration outage = Duration.ofSeconds(10);
        Duration after = Duration.ofSeconds(10);
        Duration held = Duration.ofMillis(100);
        int repeat = 1;
        Path report = Files.isDirectory(Path.of("benchmarks", "target"))
                ? Path.of("benchmarks", "target", "failover-report.html") : Path.of("failover-report.html");
        boolean verbose = false;
        boolean help = false;
        for (String arg : args) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1).trim() : null;
            switch (name) {
                case "--fault", "--faults" -> faults = faults(required(name, value));
                case "--contenders", "--contender" -> contenders = contenders(required(name, value));
                case "--writers" -> writers = number(name, required(name, value));
                case "--rate" -> rate = number(name, required(name, value));
                case "--before" -> before = duration(name, required(name, value));
                case "--outage" -> outage = duration(name, required(name, value));
                case "--after" -> after = duration(name, required(name, value));
                case "--held-threshold" -> held = duration(name, required(name, value));
                case "--repeat" -> repeat = number(name, required(name, value));
                case "--report" -> report = Path.of(required(name, value));
                case "--verbose" -> verbose = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        BenchmarkOptions options = new BenchmarkOptions(faults, contenders, writers, rate, before, outage, after, held,
                repeat, report, verbose, help);
        options.scenario(faults.get(0)); // validates the numbers, with messages that name them
        return options;
    }

    static List<Contender> allContenders() {
        return List.of(Contender.parse("stickyfail"), Contender.parse("stickyfail+hikari"), Contender.parse("cj"),
                Contender.parse("cj-timeouts"), Contender.parse("haproxy"), Contender.parse("haproxy-peers"));
    }

    ScenarioOptions scenario(Fault fault) {
        return ScenarioOptions.defaults()
                .withWriters(writers)
                .withRate(rate)
                .withFault(fault)
                .withPhases(before, outage, after)
                .withHeldThreshold(heldThreshold)
                .withTable("failover_writes");
    }

    /** Every fault that breaks the primary: {@code planned} only when named. */
    private static List<Fault> failures() {
        return Arrays.stream(Fault.values()).filter(Fault::isFailure).toList();
    }

    private static List<Fault> faults(String value) {
        if (value.equalsIgnoreCase("all")) {
            return failures();
        }
        return Arrays.stream(value.split(",")).map(Fault::parse).toList();
    }

    private static List<Contender> contenders(String value) {
        if (value.equalsIgnoreCase("all")) {
            return allContenders();
        }
        List<Contender> result = new ArrayList<>();
        // props of a cj:<props> spec may hold commas only inside values, which URLs do not use here
        for (String spec : value.split(",")) {
            result.add(Contender.parse(spec));
        }
        return result;
    }

    private static String required(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " needs a value, e.g. " + name + "=" + (name.contains("fault") ? "kill"
                    : name.contains("contender") ? "stickyfail,cj" : "10"));
        }
        return value;
    }

    static int number(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0 && n <= 100_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // explained below
        }
        throw new IllegalArgumentException(name + " must be a whole number from 1 to 100000, was '" + value + "'");
    }

    static Duration duration(String name, String value) {
        Duration d = Durations.parseOrNull(value);
        if (d == null || d.isZero()) {
            throw new IllegalArgumentException(name + " must be " + Durations.EXPECTED + ", was '" + value + "'");
        }
        return d;
    }
}
