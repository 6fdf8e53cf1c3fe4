package dev.stickyfail.benchmarks;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs {@link OverheadBenchmark} (both sides of every pair in the same run, with JMH's GC profiler) and prints, per
 * pair, raw Connector/J against stickyfail with the ratio. Extra arguments are JMH's own (e.g. {@code -f 2}, or a
 * regex such as {@code 'OverheadBenchmark.*PreparedInsert'} to run some pairs only). Usage:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.stickyfail.benchmarks.OverheadReport}.
 */
public final class OverheadReport {

    /** Pair name, raw method, stickyfail method. */
    private static final String[][] PAIRS = {
            {"SELECT 1 round trip", "rawSelect1", "stickySelect1"},
            {"prepared single-row INSERT", "rawPreparedInsert", "stickyPreparedInsert"},
            {"HikariCP getConnection + close", "rawPoolGetConnectionClose", "stickyPoolGetConnectionClose"},
            {"statement path (createStatement + close)", "rawStatementPathLocal", "stickyStatementPathLocal"},
            {"  control: stickyfail's physical connection, unwrapped", "rawStatementPathLocal", "physicalStatementPathLocal"},
            {"delegation only (Statement.getFetchSize)", "rawLocalGetter", "stickyLocalGetter"},
    };

    private OverheadReport() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions commandLine = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(commandLine).addProfiler(GCProfiler.class);
        if (commandLine.getIncludes().isEmpty()) {
            builder.include(OverheadBenchmark.class.getName() + "\\.");
        }
        Options options = builder.build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, RunResult> byMethod = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            byMethod.put(label.substring(label.lastIndexOf('.') + 1), r);
        }
        System.out.println();
        System.out.println("stickyfail over raw Connector/J, same embedded MariaDB server, same run (lower is better):");
        System.out.printf(Locale.ROOT, "%-56s %22s %22s %15s %10s %10s%n", "operation", "raw Connector/J", "stickyfail",
                "ratio", "raw B/op", "sticky B/op");
        for (String[] pair : PAIRS) {
            RunResult raw = byMethod.get(pair[1]);
            RunResult sticky = byMethod.get(pair[2]);
            if (raw == null || sticky == null) {
                continue;
            }
            Result<?> a = raw.getPrimaryResult();
            Result<?> b = sticky.getPrimaryResult();
            double ratio = b.getScore() / a.getScore();
            double ratioError = ratio * Math.sqrt(square(error(a) / a.getScore()) + square(error(b) / b.getScore()));
            System.out.printf(Locale.ROOT, "%-56s %22s %22s %15s %10s %10s%n", pair[0], score(a), score(b),
                    String.format(Locale.ROOT, "%.3f ± %.3f", ratio, ratioError), alloc(raw), alloc(sticky));
        }
    }

    private static double error(Result<?> r) {
        double e = r.getScoreError();
        return Double.isNaN(e) ? 0 : e;
    }

    private static double square(double v) {
        return v * v;
    }

    private static String score(Result<?> r) {
        return String.format(Locale.ROOT, "%.3f ± %.3f %s", r.getScore(), error(r), r.getScoreUnit());
    }

    private static String alloc(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return String.format(Locale.ROOT, "%.0f", e.getValue().getScore());
            }
        }
        return "?";
    }
}
