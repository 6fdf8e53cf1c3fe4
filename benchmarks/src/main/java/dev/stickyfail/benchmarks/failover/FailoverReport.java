package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.Audit;
import dev.stickyfail.testkit.workload.ScenarioResult;
import dev.stickyfail.testkit.workload.TimelineEvent;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's output: a plain-text table and a self-contained HTML page (inline CSS and SVG, nothing fetched). */
final class FailoverReport {

    /** Late writes listed per run: a driver that returns to the old server makes thousands, and the first few tell the story. */
    private static final int LATE_WRITES_LISTED = 20;


    static final String[] HEADER = {"fault", "contender", "to backup", "switch", "committed", "failed (SQLState)",
            "held (max)", "stuck", "old after new (sent after)", "dual writes", "after heal db0/db1",
            "failed, committed", "replication"};
    private static final boolean[] RIGHT = {false, false, true, true, true, false, false, true, true, true, true, true, false};

    private FailoverReport() {
    }

    /** One row per run. */
    static Table table(List<Run> runs) {
        Table t = new Table(RIGHT, HEADER);
        for (Run run : runs) {
            t.add(row(run));
        }
        return t;
    }

    static String[] row(Run run) {
        ScenarioResult r = run.result();
        Audit a = r.audit();
        int backup = r.backup() >= 0 ? r.backup() : 1;
        return new String[] {
                run.fault().id(),
                run.contender() + (run.repeat() > 1 ? " #" + run.repeat() : ""),
                r.timeToFirstWriteOnBackup().map(FailoverReport::ms).orElse("never"),
                run.faultToSwitch().map(FailoverReport::ms).orElse("-"),
                n(r.ok()),
                r.failed() == 0 ? "0" : n(r.failed()) + ": " + r.failuresText(),
                r.held() == 0 ? "0" : n(r.held()) + " (" + ms(r.maxOkLatencyAfterFault()) + ")",
                n(r.unfinished()),
                a.newServer() < 0 ? "-" : n(a.writesOnOldAfterFirstOnNew()) + " (" + n(a.lateWritesSentAfter()) + ")",
                a.dualWriteSpanMicros() == 0 ? "-" : ms(Duration.ofNanos(a.dualWriteSpanMicros() * 1000)),
                n(r.okOnSince(r.faulted(), r.healedAtNanos())) + " / " + n(r.okOnSince(backup, r.healedAtNanos())),
                n(a.failedButCommittedTotal()),
                r.replication().ok() ? "ok" : "NOT ok"
        };
    }

    static final String LEGEND = String.join("\n",
            "to backup          from the fault to the first write committed on the backup",
            "switch             from the fault to stickyfail's switch, or to HAProxy's stick table moving to the",
            "                   backup (its stats socket, read every 20 ms); Connector/J reports none",
            "committed          writes acknowledged to the application during the whole run",
            "failed             exceptions the application saw, by SQLState",
            "held (max)         writes started after the fault that succeeded but took >= the held threshold",
            "stuck              writes still blocked when the run ended",
            "old after new      rows the old primary executed at or after the first write on the backup (server",
            "                   clocks); in brackets those the client sent after that first write: routed to the old",
            "                   server while the backup took writes. The others were in flight when the fault hit",
            "dual writes        how long both servers took writes: last write on the old minus first on the new",
            "after heal         writes on db0 / on the backup once db0 was back: where traffic went",
            "failed, committed  writes the application saw fail whose row exists: their outcome was in fact 'committed'",
            "replication        caught up and healthy in both directions after the run");

    // ---------------------------------------------------------------- HTML

    static String html(List<Run> runs, Environment env, BenchmarkOptions options) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>stickyfail failover benchmark</title>\n<style>\n")
                .append("body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}\n")
                .append("h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:16px;margin:28px 0 4px}\n")
                .append("table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;vertical-align:top}\n")
                .append("th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("td.bad{background:#fde2e1}td.good{background:#e3f5e1}code,pre{font:12px ui-monospace,Menlo,Consolas,monospace}\n")
                .append("pre{background:#f7f7f7;padding:8px;overflow-x:auto;white-space:pre-wrap}\n")
                .append(".facts td:first-child{color:#555}.muted{color:#666}svg{display:block;margin:6px 0}\n")
                .append("details{margin:4px 0 12px}summary{cursor:pointer;color:#335}\n")
                .append("</style></head><body>\n");
        h.append("<h1>stickyfail failover benchmark</h1>\n");
        h.append("<p>").append(options.writers()).append(" writer threads write ").append(options.rate())
                .append(" rows per second in total through a HikariCP pool of ").append(options.writers())
                .append(" connections (each write: borrow a connection, one <code>INSERT</code>, give it back). After ")
                .append(esc(fmt(options.before()))).append(" the primary (db0) gets the fault; it is healed ")
                .append(esc(fmt(options.outage()))).append(" later, and the writers go on for ")
                .append(esc(fmt(options.after()))).append(". The same workload runs through each contender, one after the other, "
                        + "on the same two servers. Every row stores the <code>@@server_id</code> and <code>NOW(6)</code> of "
                        + "the server that executed it; after the run the rows are read back from both servers.</p>\n");
        h.append("<table class=\"facts\">\n");
        for (Map.Entry<String, String> e : env.facts().entrySet()) {
            h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(esc(e.getValue())).append("</td></tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Summary</h2>\n<table>\n<tr>");
        for (String col : HEADER) {
            h.append("<th>").append(esc(col)).append("</th>");
        }
        h.append("</tr>\n");
        for (Run run : runs) {
            String[] cells = row(run);
            h.append("<tr>");
            for (int c = 0; c < cells.length; c++) {
                String cls = RIGHT[c] ? "n" : "";
                if (c == 8 && !cells[c].equals("-")) {
                    cls += run.result().audit().writesOnOldAfterFirstOnNew() == 0 ? " good" : " bad";
                }
                if (c == 12) {
                    cls += run.result().replication().ok() ? " good" : " bad";
                }
                if (c == 2 && cells[c].equals("never")) {
                    cls += " bad";
                }
                h.append("<td class=\"").append(cls.trim()).append("\">");
                if (c == 1) {
                    h.append("<a href=\"#").append(anchor(run)).append("\">").append(esc(cells[c])).append("</a>");
                } else {
                    h.append(esc(cells[c]));
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<pre>").append(esc(LEGEND)).append("</pre>\n");

        h.append("<h2>Runs</h2>\n<p class=\"muted\">Writes per second on each server (250 ms buckets, by the time each write "
                + "was acknowledged) and failed operations per second. Marked: the fault, stickyfail's switch (or HAProxy's stick table moving), the first "
                + "write on the backup, and the primary back.</p>\n");
        for (Run run : runs) {
            ScenarioResult r = run.result();
            h.append("<h3 id=\"").append(anchor(run)).append("\">").append(esc(run.title())).append("</h3>\n");
            h.append("<p><code>").append(esc(run.settings())).append("</code></p>\n");
            h.append(Chart.svg(r, 1100, 280));
            List<String> violations = r.violations();
            h.append("<p>").append(violations.isEmpty()
                    ? "Guarantees met: nothing sent to the old server once the new one took writes, every late write was in flight "
                    + "and reported 08007, no write reported failed was committed, replication healthy, writes reached the backup."
                    : "Guarantees not met: " + esc(String.join("; ", violations))).append("</p>\n");
            h.append("<details><summary>timeline, failures and late writes</summary>\n<pre>");
            for (TimelineEvent e : r.events()) {
                h.append(esc(String.format(Locale.ROOT, "%8.3f s  %-22s %s", e.atSeconds(), e.kind(), e.text()))).append('\n');
            }
            h.append('\n');
            r.exampleErrors().forEach((state, example) -> h.append(esc(state + " x " + r.failuresBySqlState().get(state)
                    + ", e.g. " + example)).append('\n'));
            List<Audit.LateWrite> late = r.audit().lateWrites();
            for (Audit.LateWrite w : late.subList(0, Math.min(LATE_WRITES_LISTED, late.size()))) {
                h.append(esc(String.format(Locale.ROOT, "late write on %s: writer %d #%d sent at %.3f s, executed at %.3f s, the application saw %s",
                        r.labels().get(r.faulted()), w.writer(), w.seq(), w.sentMicros() / 1e6, w.executedMicros() / 1e6, w.seen()))).append('\n');
            }
            if (late.size() > LATE_WRITES_LISTED) {
                h.append("... and ").append(late.size() - LATE_WRITES_LISTED).append(" more late writes\n");
            }
            h.append(esc(String.format(Locale.ROOT, "p99 before the fault %d ms; slots skipped while blocked %d; rows per server %s; "
                            + "server changes in the data %d; acknowledged but missing %d",
                    r.p99BeforeFault().toMillis(), r.skippedSlots(), java.util.Arrays.toString(r.audit().rowsPerServer()),
                    r.audit().originChanges(), r.audit().acknowledgedButMissing())));
            h.append("</pre></details>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String anchor(Run run) {
        return (run.fault().id() + "-" + run.contender() + "-" + run.repeat()).replaceAll("[^A-Za-z0-9-]", "-");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String ms(Duration d) {
        return String.format(Locale.ROOT, "%,d ms", d.toMillis());
    }

    static String n(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String fmt(Duration d) {
        return dev.stickyfail.config.Durations.format(d);
    }
}
