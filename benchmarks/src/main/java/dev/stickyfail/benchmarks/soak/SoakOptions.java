package dev.stickyfail.benchmarks.soak;

import dev.stickyfail.config.Durations;
import dev.stickyfail.testkit.workload.Fault;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The soak run's command line. Every bad value fails with an {@link IllegalArgumentException} whose message names the
 * option, the value given and the form expected.
 *
 * @param switches     how many switches to run
 * @param rate         writes per second, all writers together
 * @param writers      writer threads
 * @param pool         HikariCP's pool size (fixed: minimumIdle = maximumPoolSize)
 * @param mix          the faults and their weights, e.g. planned 7, kill 1, freeze 1, blackhole 1
 * @param sampleEvery  a resource sample every this many switches (and at the start and the end)
 * @param hold         how long the group must stay on the new server once the old one is up again (stickiness)
 * @param switchTimeout longest wait for a switch and the first write on the new server
 * @param healTimeout  longest wait for a healed server to be up in the group and replication to catch up
 * @param out          where the CSV files, the SVG plot and the log go
 */
public record SoakOptions(int switches, int rate, int writers, int pool, Map<Fault, Integer> mix, int sampleEvery,
                          Duration hold, Duration switchTimeout, Duration healTimeout, Path out, boolean verbose,
                          boolean replot, boolean help) {

    public static final String DEFAULT_MIX = "planned:7,kill:1,freeze:1,blackhole:1";

    public static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.soak.SoakBenchmark [options]",
            "",
            "Endurance: writers at a fixed rate through HikariCP over jdbc:stickyfail: (default settings), two MariaDB",
            "servers behind fault proxies; each cycle breaks (or switches away from) the active server, waits for the",
            "switch and a write on the other one, heals, waits until the healed server is up and replication caught",
            "up, and checks the group stays where it is. Resources are sampled as it goes; at the end the servers'",
            "rows are audited.",
            "",
            "  --switches=1000                      switches to run (1 to 100000)",
            "  --rate=200                           writes per second, all writers together",
            "  --writers=8                          writer threads",
            "  --pool=16                            HikariCP pool size (at least --writers)",
            "  --mix=" + DEFAULT_MIX,
            "                                       faults and weights, in rotation (smooth weighted round robin)",
            "  --sample-every=25                    a resource sample every N switches (and at start and end)",
            "  --hold=1s                            the group must stay on the new server this long after the old",
            "                                       one is up again",
            "  --switch-timeout=30s                 longest wait for a switch and a write on the new server",
            "  --heal-timeout=90s                   longest wait for the healed server to be up and caught up",
            "  --out=DIR                            CSV files, SVG plot and log (default benchmarks/target/soak)",
            "  --verbose                            driver and server logs on stderr (default: DIR/soak.log)",
            "  --replot                             no run: redraw DIR/soak.svg from a run's CSV files in --out (give",
            "                                       the options the run had) and check them against the bounds");

    public SoakOptions {
        mix = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mix));
    }

    public static SoakOptions defaults() {
        return parse(new String[0]);
    }

    public static SoakOptions parse(String[] args) {
        int switches = 1000;
        int rate = 200;
        int writers = 8;
        int pool = 16;
        Map<Fault, Integer> mix = mix("--mix", DEFAULT_MIX);
        int sampleEvery = 25;
        Duration hold = Duration.ofSeconds(1);
        Duration switchTimeout = Duration.ofSeconds(30);
        Duration healTimeout = Duration.ofSeconds(90);
        Path out = Files.isDirectory(Path.of("benchmarks", "target")) ? Path.of("benchmarks", "target", "soak")
                : Path.of("soak");
        boolean verbose = false;
        boolean replot = false;
        boolean help = false;
        for (String arg : args) {
            if (arg == null) {
                throw new IllegalArgumentException("an argument was null; expected options of the form --name=value");
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1).trim() : null;
            switch (name) {
                case "--switches" -> switches = number(name, value, 1, 100_000, "1000");
                case "--rate" -> rate = number(name, value, 1, 10_000, "200");
                case "--writers" -> writers = number(name, value, 1, 256, "8");
                case "--pool" -> pool = number(name, value, 1, 1000, "16");
                case "--mix" -> mix = mix(name, value);
                case "--sample-every" -> sampleEvery = number(name, value, 1, 100_000, "25");
                case "--hold" -> hold = duration(name, value, "1s");
                case "--switch-timeout" -> switchTimeout = duration(name, value, "30s");
                case "--heal-timeout" -> healTimeout = duration(name, value, "90s");
                case "--out" -> {
                    if (value == null || value.isEmpty()) {
                        throw new IllegalArgumentException("--out needs a directory, e.g. --out=benchmarks/target/soak; was "
                                + (value == null ? "given without a value" : "''"));
                    }
                    out = Path.of(value);
                }
                case "--verbose" -> verbose = flag(name, value);
                case "--replot" -> replot = flag(name, value);
                case "--help", "-h" -> help = flag(name, value);
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'; expected one of --switches, "
                        + "--rate, --writers, --pool, --mix, --sample-every, --hold, --switch-timeout, --heal-timeout, "
                        + "--out, --verbose, --replot, --help");
            }
        }
        if (pool < writers) {
            throw new IllegalArgumentException("--pool=" + pool + " is smaller than --writers=" + writers
                    + "; expected --pool of at least the number of writers (each writer holds one connection at a time)");
        }
        return new SoakOptions(switches, rate, writers, pool, mix, sampleEvery, hold, switchTimeout, healTimeout, out,
                verbose, replot, help);
    }

    /** One line for the report's header. */
    public String describe() {
        return String.format(Locale.ROOT, "%d switches, %d writes/s by %d writers, HikariCP pool of %d, mix %s, "
                        + "sample every %d switches, hold %s", switches, rate, writers, pool, mixText(), sampleEvery,
                Durations.format(hold));
    }

    public String mixText() {
        List<String> parts = new ArrayList<>();
        mix.forEach((f, w) -> parts.add(f.id() + ":" + w));
        return String.join(",", parts);
    }

    /**
     * The fault of each switch, 0-based: a smooth weighted round robin over {@link #mix()}, so each fault comes back
     * evenly spaced (7:1:1:1 gives planned, planned, planned, kill, planned, ...).
     */
    public List<Fault> rotation(int count) {
        List<Fault> faults = new ArrayList<>(mix.keySet());
        int total = mix.values().stream().mapToInt(Integer::intValue).sum();
        int[] current = new int[faults.size()];
        List<Fault> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int best = 0;
            for (int f = 0; f < faults.size(); f++) {
                current[f] += mix.get(faults.get(f));
                if (current[f] > current[best]) {
                    best = f;
                }
            }
            current[best] -= total;
            result.add(faults.get(best));
        }
        return result;
    }

    /**
     * The switches before the baseline sample: until every fault of the mix ran once (the driver starts some threads
     * and pools at a fault's first occurrence; the bounds are about growth after that), capped at {@link #switches()}.
     */
    public int warmUpSwitches() {
        List<Fault> r = rotation(switches);
        java.util.Set<Fault> seen = java.util.EnumSet.noneOf(Fault.class);
        for (int i = 0; i < r.size(); i++) {
            seen.add(r.get(i));
            if (seen.size() == mix.size()) {
                return i + 1;
            }
        }
        return switches;
    }

    private static Map<Fault, Integer> mix(String name, String value) {
        String expected = "expected " + name + "=fault:weight,... with faults from planned, kill, freeze, blackhole and "
                + "whole-number weights from 0 to 1000, e.g. " + name + "=" + DEFAULT_MIX;
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " was given without a value; " + expected);
        }
        Map<Fault, Integer> mix = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String[] fw = part.trim().split(":", -1);
            Fault fault;
            try {
                fault = Fault.parse(fw[0]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + "=" + value + ": '" + fw[0].trim() + "' is not a fault; " + expected);
            }
            int weight = 1;
            if (fw.length > 2) {
                throw new IllegalArgumentException(name + "=" + value + ": '" + part.trim() + "' has more than one ':'; " + expected);
            }
            if (fw.length == 2) {
                try {
                    weight = Integer.parseInt(fw[1].trim());
                } catch (NumberFormatException e) {
                    weight = -1;
                }
                if (weight < 0 || weight > 1000) {
                    throw new IllegalArgumentException(name + "=" + value + ": '" + fw[1].trim() + "' is not a weight; " + expected);
                }
            }
            if (mix.containsKey(fault)) {
                throw new IllegalArgumentException(name + "=" + value + ": " + fault.id() + " is named twice; " + expected);
            }
            if (weight > 0) {
                mix.put(fault, weight);
            }
        }
        if (mix.isEmpty()) {
            throw new IllegalArgumentException(name + "=" + value + " gives every fault weight 0; " + expected);
        }
        return mix;
    }

    private static int number(String name, String value, int min, int max, String example) {
        if (value != null) {
            try {
                int n = Integer.parseInt(value);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // explained below
            }
        }
        throw new IllegalArgumentException(name + (value == null ? " was given without a value" : "='" + value + "'")
                + ": expected a whole number from " + min + " to " + max + ", e.g. " + name + "=" + example);
    }

    private static Duration duration(String name, String value, String example) {
        Duration d = Durations.parseOrNull(value);
        if (d == null || d.isZero()) {
            throw new IllegalArgumentException(name + (value == null ? " was given without a value" : "='" + value + "'")
                    + ": expected " + Durations.EXPECTED + ", above 0, e.g. " + name + "=" + example);
        }
        return d;
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(name + "='" + value + "': expected " + name + " alone (or =true / =false)");
    }
}
