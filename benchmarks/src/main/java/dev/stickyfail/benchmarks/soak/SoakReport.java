package dev.stickyfail.benchmarks.soak;

import dev.stickyfail.config.Durations;
import dev.stickyfail.testkit.workload.Fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** The soak run's checks, its plain-text summary and its SVG plot. */
final class SoakReport {

    private static final Map<Fault, String> FAULT_COLOURS = new EnumMap<>(Map.of(
            Fault.PLANNED, "#2ca02c", Fault.KILL, "#d62728", Fault.FREEZE, "#1f77b4", Fault.BLACKHOLE, "#9467bd"));

    private SoakReport() {
    }

    /** The switch whose window holds {@code micros} (the last injected at or before it), or -1 (warm-up). */
    static int switchOf(List<SwitchRecord> switches, long micros) {
        int lo = 0;
        int hi = switches.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (switches.get(mid).injectedMicros() <= micros) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * Failed writes per switch, index = switch: those that ended (the application saw the error) in its window. By
     * the end, not the start: a write sent just before an injection fails because of it.
     */
    static long[] failedPerSwitch(List<SwitchRecord> switches, List<Load.Failure> failures) {
        long[] perSwitch = new long[switches.size()];
        for (Load.Failure f : failures) {
            int s = switchOf(switches, f.endMicros());
            if (s >= 0) {
                perSwitch[s]++;
            }
        }
        return perSwitch;
    }

    /** Everything that breaks a promise or a bound, in words; empty when the run passed. */
    static List<String> violations(SoakOptions options, SoakBenchmark.Bounds bounds, List<SwitchRecord> switches,
                                   List<Sample> samples, List<Load.Failure> failures, Optional<SoakAudit> audit) {
        List<String> v = new ArrayList<>();
        if (options == null) {
            return v;
        }
        if (switches.size() < options.switches()) {
            v.add("only " + switches.size() + " of " + options.switches() + " switches completed");
        }
        for (SwitchRecord s : switches) {
            if (!s.sticky()) {
                v.add("switch " + (s.index() + 1) + " (" + s.fault().id() + " db" + s.from() + "->db" + s.to()
                        + ") not sticky: " + s.switchEvents() + " switch event(s), the group "
                        + (s.switchEvents() == 1 ? "left db" + s.to() + " during the hold" : "moved again by itself"));
            }
        }
        long[] failed = failedPerSwitch(switches, failures);
        for (int i = 0; i < failed.length; i++) {
            if (failed[i] > bounds.failedPerSwitch()) {
                v.add("switch " + (i + 1) + " (" + switches.get(i).fault().id() + "): " + failed[i]
                        + " failed writes, more than " + bounds.failedPerSwitch());
            }
        }
        Map<Long, Long> perWriterAndSwitch = new java.util.HashMap<>();
        for (Load.Failure f : failures) {
            int s = switchOf(switches, f.endMicros());
            if (s >= 0) {
                perWriterAndSwitch.merge(((long) s << 20) | f.writer(), 1L, Long::sum);
            }
        }
        perWriterAndSwitch.forEach((k, count) -> {
            if (count > 1) {
                v.add("switch " + ((k >>> 20) + 1) + ": writer " + (k & 0xFFFFF) + " failed " + count + " times (more "
                        + "than the one request it had in flight)");
            }
        });
        long warmUpFailures = failures.stream().filter(f -> switchOf(switches, f.endMicros()) < 0).count();
        if (warmUpFailures > 0) {
            v.add(warmUpFailures + " writes failed before the first switch");
        }
        long duplicates = failures.stream().filter(f -> f.sqlState().startsWith("23")).count();
        if (duplicates > 0) {
            v.add(duplicates + " writes failed with an integrity error (SQLState 23...): a write sent twice");
        }
        audit.ifPresentOrElse(a -> {
            if (a.lateSentAfterTotal() > 0) {
                v.add(a.lateSentAfterTotal() + " writes sent after the new server's first row ran on the old server");
            }
            if (a.lateReportedOkTotal() > 0) {
                v.add(a.lateReportedOkTotal() + " writes on the old server after the new one's first were reported ok");
            }
            if (a.missingOk() > 0) {
                v.add(a.missingOk() + " writes reported ok are on no server");
            }
            if (a.unknownRows() > 0) {
                v.add(a.unknownRows() + " rows of no write the client sent");
            }
            if (!a.serversAgree()) {
                v.add("the servers' rows differ: " + a.serverDetail());
            }
            if (!a.noWriteOnNew().isEmpty()) {
                v.add("no row on the new server in the window of switch(es) " + a.noWriteOnNew());
            }
        }, () -> v.add("no audit"));
        Optional<Sample> baseline = baseline(samples, options);
        if (baseline.isPresent() && samples.get(samples.size() - 1) != baseline.get()) {
            Sample first = baseline.get();
            for (Sample s : samples.subList(samples.indexOf(first), samples.size())) {
                check(v, s, "threads (fault proxies' excluded)", first.threads() - first.proxyThreads(),
                        s.threads() - s.proxyThreads(), bounds.threads());
                check(v, s, "stickyfail threads", first.stickyfailThreads(), s.stickyfailThreads(),
                        bounds.stickyfailThreads());
                check(v, s, "file descriptors", first.fds(), s.fds(), bounds.fds());
            }
            for (Sample s : samples) {
                if (s.sessionsTotal() > options.pool() + bounds.sessions()) {
                    v.add("application sessions on both servers after " + s.afterSwitches() + " switches: "
                            + s.sessionsTotal() + ", more than the pool's " + options.pool() + " + " + bounds.sessions());
                }
            }
            Sample last = samples.get(samples.size() - 1);
            if (last.heapMb() - first.heapMb() > bounds.heapMb()) {
                v.add(String.format(Locale.ROOT, "heap after GC grew %.1f MiB (%.1f -> %.1f), more than %.0f",
                        last.heapMb() - first.heapMb(), first.heapMb(), last.heapMb(), bounds.heapMb()));
            }
        } else {
            v.add("no resource sample after the baseline (after " + options.warmUpSwitches() + " switches)");
        }
        return v;
    }

    /** The first sample taken once every fault of the mix ran once. */
    static Optional<Sample> baseline(List<Sample> samples, SoakOptions options) {
        return samples.stream().filter(s -> s.afterSwitches() >= options.warmUpSwitches()).findFirst();
    }

    private static void check(List<String> v, Sample s, String what, long first, long now, long bound) {
        if (now - first > bound) {
            v.add(what + " after " + s.afterSwitches() + " switches: " + now + ", more than " + bound + " above the "
                    + "first sample's " + first);
        }
    }

    static String summary(SoakOptions options, SoakBenchmark.Bounds bounds, List<SwitchRecord> switches,
                          List<Sample> samples, List<Load.Failure> failures, Optional<SoakAudit> audit,
                          List<String> violations, Optional<String> error, Duration elapsed, long okWrites,
                          String startedAt, String loadAtStart, String loadAtEnd) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Soak run, %s: %d of %d switches in %s (%.1f s per switch), load average "
                        + "%s at the start, %s at the end%n", startedAt, switches.size(), options.switches(),
                minutes(elapsed), switches.isEmpty() ? 0 : elapsed.toMillis() / 1000.0 / switches.size(), loadAtStart,
                loadAtEnd));
        Map<String, Long> bySqlState = new TreeMap<>();
        failures.forEach(f -> bySqlState.merge(f.sqlState(), 1L, Long::sum));
        sb.append(String.format(Locale.ROOT, "Writes: %,d ok, %,d failed %s%n", okWrites, failures.size(),
                bySqlState.isEmpty() ? "" : bySqlState.toString().replace("{", "(by SQLState: ").replace("}", ")")));
        sb.append("\n");
        sb.append(faultTable(options, switches, failures, audit));
        sb.append("\n");
        if (!samples.isEmpty()) {
            Sample first = samples.get(0);
            Sample last = samples.get(samples.size() - 1);
            Sample base = baseline(samples, options).orElse(first);
            sb.append(String.format(Locale.ROOT, "%-44s %10s %10s %10s %10s%n", "resources", "start", "baseline", "last",
                    "max"));
            List<Sample> cols = List.of(first, base, last);
            row(sb, "  after switches", cols, samples, Sample::afterSwitches);
            row(sb, "  live threads", cols, samples, Sample::threads);
            row(sb, "  of them fault proxies' (testkit)", cols, samples, Sample::proxyThreads);
            row(sb, "  of them stickyfail*", cols, samples, Sample::stickyfailThreads);
            sb.append(String.format(Locale.ROOT, "%-44s %10.1f %10.1f %10.1f %10.1f%n", "  heap after GC, MiB",
                    first.heapMb(), base.heapMb(), last.heapMb(),
                    samples.stream().mapToDouble(Sample::heapMb).max().orElse(0)));
            row(sb, "  file descriptors", cols, samples, Sample::fds);
            row(sb, "  app sessions on db0", cols, samples, x -> x.sessions()[0]);
            row(sb, "  app sessions on db1", cols, samples, x -> x.sessions()[1]);
            row(sb, "  HikariCP connections", cols, samples, Sample::poolConnections);
            sb.append("\n");
        }
        audit.ifPresent(a -> sb.append(String.format(Locale.ROOT, "Audit: %,d rows, servers agree: %s (%s); writes "
                        + "reported ok missing: %d; failed or unfinished but committed: %d; rows on the old server after "
                        + "the new one's first: %d (sent after it: %d, reported ok: %d)%n%n", a.rows(), a.serversAgree(),
                a.serverDetail(), a.missingOk(), a.failedButCommitted(), a.lateOnOldTotal(), a.lateSentAfterTotal(),
                a.lateReportedOkTotal())));
        sb.append("Bounds: ").append(bounds.text()).append("\n");
        error.ifPresent(e -> sb.append("ERROR: ").append(e).append("\n"));
        if (violations.isEmpty() && error.isEmpty()) {
            sb.append("PASSED: every switch sticky, nothing on the old server after the new one's first, every ok write "
                    + "present once, resources within the bounds\n");
        } else {
            sb.append("FAILED:\n");
            violations.stream().limit(50).forEach(x -> sb.append("  - ").append(x).append("\n"));
        }
        return sb.toString();
    }

    /** Per fault: switch and first-write times, failures per switch, recovery, stickiness, late rows on the old server. */
    static String faultTable(SoakOptions options, List<SwitchRecord> switches, List<Load.Failure> failures,
                             Optional<SoakAudit> audit) {
        StringBuilder sb = new StringBuilder();
        long[] failed = failedPerSwitch(switches, failures);
        sb.append(String.format(Locale.ROOT, "%-9s %8s %-20s %-18s %-22s %9s %-16s %6s %8s%n", "fault", "switches",
                "switch ms med/max", "1st write ms med/max", "failed/switch med/max/sum", "in flight", "up again s med/max",
                "sticky", "old late"));
        for (Fault fault : Fault.values()) {
            List<SwitchRecord> of = switches.stream().filter(s -> s.fault() == fault).toList();
            if (of.isEmpty()) {
                continue;
            }
            long[] f = of.stream().mapToLong(s -> failed[s.index()]).sorted().toArray();
            long lateTotal = audit.map(a -> of.stream().mapToLong(s -> a.lateOnOld()[s.index()]).sum()).orElse(-1L);
            long lateAfter = audit.map(a -> of.stream().mapToLong(s -> a.lateSentAfter()[s.index()]).sum()).orElse(-1L);
            sb.append(String.format(Locale.ROOT, "%-9s %8d %-20s %-18s %-22s %9d %-16s %6s %8s%n", fault.id(), of.size(),
                    medMax(of, SwitchRecord::switchMillis), medMax(of, SwitchRecord::firstWriteMillis),
                    f[f.length / 2] + " / " + f[f.length - 1] + " / " + Arrays.stream(f).sum(),
                    of.stream().mapToInt(SwitchRecord::inFlight).max().orElse(0),
                    String.format(Locale.ROOT, "%.1f / %.1f", median(of, s -> s.upAgainMillis()) / 1000.0,
                            of.stream().mapToLong(SwitchRecord::upAgainMillis).max().orElse(0) / 1000.0),
                    of.stream().filter(SwitchRecord::sticky).count() + "/" + of.size(),
                    lateTotal < 0 ? "?" : lateTotal + " (" + lateAfter + ")"));
        }
        sb.append("  switch: injection to the group's switch event; 1st write: to the first write committed on the new "
                + "server;\n  failed/switch: failed writes that ended in the switch's window; in flight: the most writes "
                + "under way at an injection;\n  up again: injection to the old server up in the group and replication "
                + "caught up; sticky: stayed on the new\n  server " + Durations.format(options.hold())
                + " after that, with one switch event; old late: rows the old server ran after the new one's first\n"
                + "  in the window (of them sent after it: must be 0; the others were in flight and reported failed)\n");
        return sb.toString();
    }

    private static String minutes(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? s / 60 + " min " + s % 60 + " s" : s + " s";
    }

    private static void row(StringBuilder sb, String what, List<Sample> cols, List<Sample> all, ToLongFunction<Sample> f) {
        sb.append(String.format(Locale.ROOT, "%-44s %10d %10d %10d %10d%n", what, f.applyAsLong(cols.get(0)),
                f.applyAsLong(cols.get(1)), f.applyAsLong(cols.get(2)), max(all, f)));
    }

    private static long max(List<Sample> samples, ToLongFunction<Sample> f) {
        return samples.stream().mapToLong(f).max().orElse(0);
    }

    private static double median(List<SwitchRecord> of, ToDoubleFunction<SwitchRecord> f) {
        double[] v = of.stream().mapToDouble(f).sorted().toArray();
        return v.length == 0 ? 0 : v[v.length / 2];
    }

    private static String medMax(List<SwitchRecord> of, ToLongFunction<SwitchRecord> f) {
        long[] v = of.stream().mapToLong(f).sorted().toArray();
        return v[v.length / 2] + " / " + v[v.length - 1];
    }

    // ---------------------------------------------------------------- the plot

    /**
     * Five panels over the switch count: threads, heap after GC, file descriptors, the application's sessions per
     * server, and the failed writes of each switch (a dot per switch, coloured by fault). Self-contained SVG.
     */
    static String svg(List<SwitchRecord> switches, List<Sample> samples, List<Load.Failure> failures,
                      SoakOptions options) {
        int width = 900;
        int left = 64;
        int right = 150;
        int panelH = 120;
        int gap = 34;
        int top = 68;
        int panels = 5;
        int height = top + panels * (panelH + gap) + 10;
        double plotW = width - left - right;
        int maxX = Math.max(1, Math.max(switches.size(), samples.isEmpty() ? 0 : samples.get(samples.size() - 1).afterSwitches()));
        StringBuilder g = new StringBuilder();
        g.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"system-ui,sans-serif\" font-size=\"11\">%n", width, height, width, height));
        g.append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        g.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Soak: %d "
                        + "switches under %d writes/s, HikariCP over jdbc:stickyfail:</text>%n"
                        + "<text x=\"%d\" y=\"36\" fill=\"#555\">faults in rotation %s; resources sampled every %d "
                        + "switches; dashed: the baseline sample (every fault ran once)</text>%n", left,
                switches.size(), options.rate(), left, esc(options.mixText()), options.sampleEvery()));
        double[] xs = samples.stream().mapToDouble(Sample::afterSwitches).toArray();
        int base = baseline(samples, options).map(Sample::afterSwitches).orElse(0);
        int y0 = top;
        panel(g, "live threads", left, y0, plotW, panelH, maxX, base, xs, List.of(
                series("all", "#1f77b4", samples.stream().mapToDouble(Sample::threads).toArray()),
                series("without fault proxies", "#17becf", samples.stream().mapToDouble(s -> s.threads() - s.proxyThreads()).toArray()),
                series("stickyfail*", "#ff7f0e", samples.stream().mapToDouble(Sample::stickyfailThreads).toArray())));
        y0 += panelH + gap;
        panel(g, "heap after GC, MiB", left, y0, plotW, panelH, maxX, base, xs, List.of(
                series("heap", "#2ca02c", samples.stream().mapToDouble(Sample::heapMb).toArray())));
        y0 += panelH + gap;
        panel(g, "open file descriptors", left, y0, plotW, panelH, maxX, base, xs, List.of(
                series("fds", "#8c564b", samples.stream().mapToDouble(Sample::fds).toArray())));
        y0 += panelH + gap;
        panel(g, "app sessions per server", left, y0, plotW, panelH, maxX, base, xs, List.of(
                series("db0", "#1f77b4", samples.stream().mapToDouble(s -> s.sessions()[0]).toArray()),
                series("db1", "#ff7f0e", samples.stream().mapToDouble(s -> s.sessions()[1]).toArray()),
                series("both", "#7f7f7f", samples.stream().mapToDouble(Sample::sessionsTotal).toArray())));
        y0 += panelH + gap;
        // failed writes per switch: dots
        long[] failed = failedPerSwitch(switches, failures);
        double maxY = Math.max(options.writers(), Arrays.stream(failed).max().orElse(0));
        axes(g, "failed writes per switch", left, y0, plotW, panelH, maxX, maxY);
        for (int i = 0; i < switches.size(); i++) {
            double px = left + (i + 1) / (double) maxX * plotW;
            double py = y0 + panelH - failed[i] / niceMax(maxY) * panelH;
            g.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" opacity=\"0.7\">"
                            + "<title>switch %d, %s: %d failed</title></circle>%n", px, py,
                    FAULT_COLOURS.get(switches.get(i).fault()), i + 1, switches.get(i).fault().id(), failed[i]));
        }
        double bound = y0 + panelH - options.writers() / niceMax(maxY) * panelH;
        g.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" "
                + "stroke-dasharray=\"5 4\"/>%n", left, left + plotW, bound, bound));
        int ly = y0 + 10;
        for (Fault f : options.mix().keySet()) {
            g.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%d\" r=\"3\" fill=\"%s\"/><text x=\"%.1f\" "
                    + "y=\"%d\">%s</text>%n", left + plotW + 14, ly, FAULT_COLOURS.get(f), left + plotW + 22, ly + 4, f.id()));
            ly += 15;
        }
        g.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#d62728\" "
                        + "stroke-dasharray=\"5 4\"/><text x=\"%.1f\" y=\"%d\">bound (writers)</text>%n",
                left + plotW + 8, left + plotW + 20, ly, ly, left + plotW + 22, ly + 4));
        g.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">switches"
                + "</text>%n", left + plotW / 2, height - 4));
        g.append("</svg>\n");
        return g.toString();
    }

    private record Series(String name, String colour, double[] values) {
    }

    private static Series series(String name, String colour, double[] values) {
        return new Series(name, colour, values);
    }

    private static void panel(StringBuilder g, String title, int left, int top, double plotW, int plotH, int maxX,
                              int baselineX, double[] xs, List<Series> series) {
        double maxY = 1;
        for (Series s : series) {
            for (double v : s.values()) {
                maxY = Math.max(maxY, v);
            }
        }
        axes(g, title, left, top, plotW, plotH, maxX, maxY);
        double yMax = niceMax(maxY);
        if (baselineX > 0) {
            double bx = left + baselineX / (double) maxX * plotW;
            g.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#999\" "
                    + "stroke-dasharray=\"3 3\"/>%n", bx, bx, top, top + plotH));
        }
        int ly = top + 10;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.values().length && i < xs.length; i++) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + xs[i] / maxX * plotW,
                        top + plotH - s.values()[i] / yMax * plotH));
            }
            g.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"%s\"/>%n",
                    s.colour(), points.toString().trim()));
            g.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"%d\">%s</text>%n", left + plotW + 8, ly - 2, s.colour(), left + plotW + 26,
                    ly + 2, esc(s.name())));
            ly += 15;
        }
    }

    private static void axes(StringBuilder g, String title, int left, int top, double plotW, int plotH, int maxX,
                             double maxY) {
        double yStep = yStep(maxY);
        double yMax = niceMax(maxY);
        g.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", left, top - 6,
                esc(title)));
        g.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#bbb\"/>%n", left, top, plotW, plotH));
        for (double y = 0; y <= yMax + 1e-9; y += yStep) {
            double py = top + plotH - y / yMax * plotH;
            g.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n", left, left + plotW, py, py,
                    left - 6, py + 4, trim(y)));
        }
        double xStep = niceStep(maxX / 10.0);
        for (double x = 0; x <= maxX + 1e-9; x += xStep) {
            double px = left + x / maxX * plotW;
            g.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n", px, px, top,
                    top + plotH, px, top + plotH + 13, trim(x)));
        }
    }

    private static double yStep(double max) {
        return niceStep(max * 1.05 / 4);
    }

    private static double niceMax(double max) {
        double step = yStep(max);
        return Math.max(step, Math.ceil(max * 1.05 / step) * step);
    }

    private static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return Math.max(1, nice * magnitude);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
