package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.ScenarioResult;
import dev.stickyfail.testkit.workload.TimelineEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An inline SVG line chart of one run: writes per second per server over time, failures, and the run's marks. */
final class Chart {

    private static final String[] SERVER_COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"};
    private static final Duration BUCKET = Duration.ofMillis(250);

    private Chart() {
    }

    static String svg(ScenarioResult r, int width, int height) {
        ScenarioResult.Series s = r.series(BUCKET);
        int left = 52;
        int right = 16;
        int top = 58;
        int bottom = 34;
        double plotW = width - left - right;
        double plotH = height - top - bottom;
        double seconds = Math.max(1, r.stoppedAtNanos() / 1e9);
        double max = r.options().rate() * 1.15;
        for (long[] server : s.okPerServer()) {
            for (long v : server) {
                max = Math.max(max, s.perSecond(v));
            }
        }
        for (long v : s.failed()) {
            max = Math.max(max, s.perSecond(v));
        }
        double yStep = niceStep(max / 5);
        double yMax = Math.ceil(max / yStep) * yStep;
        StringBuilder g = new StringBuilder();
        g.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"system-ui,sans-serif\" font-size=\"11\">\n", width, height, width, height));
        g.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" stroke=\"#bbb\"/>\n",
                left, top, plotW, plotH));
        for (double y = 0; y <= yMax + 1e-9; y += yStep) {
            double py = top + plotH - y / yMax * plotH;
            g.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%.0f</text>\n",
                    left, left + plotW, py, py, left - 6, py + 4, y));
        }
        double xStep = niceStep(seconds / 12);
        for (double x = 0; x <= seconds + 1e-9; x += xStep) {
            double px = left + x / seconds * plotW;
            g.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">%s s</text>\n",
                    px, px, top, top + plotH, px, top + plotH + 15, trim(x)));
        }
        g.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\" "
                + "fill=\"#555\">writes / s</text>\n", top + plotH / 2, top + plotH / 2));
        double bucketW = BUCKET.toNanos() / 1e9 / seconds * plotW;
        for (int b = 0; b < s.buckets(); b++) {
            if (s.failed()[b] > 0) {
                double v = s.perSecond(s.failed()[b]);
                double h = Math.max(2, v / yMax * plotH);
                g.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#d62728\" "
                                + "opacity=\"0.75\"><title>%d failed in %.2f-%.2f s</title></rect>\n",
                        left + b * bucketW, top + plotH - h, Math.max(1.5, bucketW - 0.5), h, s.failed()[b],
                        b * BUCKET.toNanos() / 1e9, (b + 1) * BUCKET.toNanos() / 1e9));
            }
        }
        for (int server = 0; server < s.okPerServer().length; server++) {
            StringBuilder points = new StringBuilder();
            long[] counts = s.okPerServer()[server];
            for (int b = 0; b < counts.length; b++) {
                double x0 = left + b * bucketW;
                double py = top + plotH - s.perSecond(counts[b]) / yMax * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f %.1f,%.1f ", x0, py, Math.min(left + plotW, x0 + bucketW), py));
            }
            g.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"%s\"/>\n",
                    SERVER_COLOURS[server % SERVER_COLOURS.length], points.toString().trim()));
        }
        List<String[]> marks = new ArrayList<>();
        for (TimelineEvent e : r.events()) {
            String colour;
            String label;
            switch (e.kind()) {
                case FAULT -> {
                    colour = "#d62728";
                    label = e.text();
                }
                case SWITCH -> {
                    colour = "#9467bd";
                    label = "switch";
                }
                case FIRST_WRITE_ON_BACKUP -> {
                    colour = "#2ca02c";
                    label = e.text().replaceFirst(",.*", "");
                }
                case HEALED -> {
                    colour = "#7f7f7f";
                    label = r.labels().get(r.faulted()) + " back";
                }
                default -> {
                    continue;
                }
            }
            marks.add(new String[] {Long.toString(e.atNanos()), colour, label, e.text()});
        }
        int row = 0;
        for (String[] m : marks) {
            double t = Long.parseLong(m[0]) / 1e9;
            double px = left + Math.max(0, Math.min(seconds, t)) / seconds * plotW;
            double ly = 14 + (row++ % 3) * 14;
            g.append(String.format(Locale.ROOT, "<g><title>%s</title><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                            + "stroke=\"%s\" stroke-width=\"1.3\" stroke-dasharray=\"4 3\"/>"
                            + "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s (%.2f s)</text></g>\n",
                    FailoverReport.esc(String.format(Locale.ROOT, "%.3f s: %s", t, m[3])), px, px, ly + 3, top + plotH,
                    m[1], px + 3, ly, m[1], FailoverReport.esc(m[2]), t));
        }
        double lx = left + plotW - 300;
        for (int server = 0; server < s.okPerServer().length; server++) {
            g.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"3\" fill=\"%s\"/>"
                            + "<text x=\"%.1f\" y=\"%d\">%s</text>\n", lx + server * 105, top + 10, SERVER_COLOURS[server % SERVER_COLOURS.length],
                    lx + server * 105 + 18, top + 14, FailoverReport.esc(r.labels().get(server) + " writes/s")));
        }
        g.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"8\" fill=\"#d62728\" opacity=\"0.75\"/>"
                + "<text x=\"%.1f\" y=\"%d\">failed/s</text>\n", lx + 215, top + 7, lx + 229, top + 14));
        g.append("</svg>\n");
        return g.toString();
    }

    private static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
