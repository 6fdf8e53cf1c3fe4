package dev.stickyfail.scenarios;

import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The audit of a multi-instance run: where every write landed (each row names its server, instance and sequence
 * number), against what its caller was told and when it was sent, and against each instance's own switch and lease
 * events.
 */
final class FleetAudit {

    /** When things happened, on the scenario's clocks ({@code nanoTime} is the host's, as the instances'). */
    static final class Moments {
        long faultNanos;
        long faultWallMillis;
        long allDecidedNanos = -1;
        long resumedNanos;
        long resumedWallMillis;
    }

    private static final Pattern INSTANCE = Pattern.compile("app(\\d+)(?:-r\\d+)?");

    private final ServerGroup group;
    private final String table;
    private final String oldServer;
    private final Map<String, InstanceRecord> records;
    private final MultiInstanceScenario.Fault fault;
    private final MultiInstanceScenario.Options options;
    private final Moments moments;
    private final int paused;
    private final int lost;

    FleetAudit(ServerGroup group, String table, String oldServer, Map<String, InstanceRecord> records,
               MultiInstanceScenario.Fault fault, MultiInstanceScenario.Options options, Moments moments, int paused,
               int lost) {
        this.group = group;
        this.table = table;
        this.oldServer = oldServer;
        this.records = records;
        this.fault = fault;
        this.options = options;
        this.moments = moments;
        this.paused = paused;
        this.lost = lost;
    }

    /** Instance index to the wall-clock millis of its first row on server {@code index} since {@code since}. */
    static Map<Integer, Long> firstOn(ServerGroup group, int index, String table, long sinceWallMillis) {
        Map<Integer, Long> first = new HashMap<>();
        try (Connection c = group.adminConnection(index); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT instance, ROUND(UNIX_TIMESTAMP(MIN(ts)) * 1000) FROM " + table
                     + " WHERE origin = " + group.server(index).serverId() + " AND ts >= FROM_UNIXTIME("
                     + sinceWallMillis / 1000.0 + ") GROUP BY instance")) {
            while (rs.next()) {
                Matcher m = INSTANCE.matcher(rs.getString(1));
                if (m.matches()) {
                    first.merge(Integer.parseInt(m.group(1)), rs.getLong(2), Math::min);
                }
            }
        } catch (SQLException e) {
            // not reachable right now: nothing seen yet
        }
        return first;
    }

    MultiInstanceScenario.Result result(Map<String, String> finalStatus, List<Long> restartMillis, boolean healthy,
                                        String lockOutcome, boolean lockCommittedOnOld, String heldOutcome)
            throws SQLException {
        long oldId = group.server(0).serverId();
        long newId = group.server(1).serverId();
        String firstOnNewTs;
        long firstOnNew;
        try (Connection c = group.adminConnection(1); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT MIN(ts), ROUND(UNIX_TIMESTAMP(MIN(ts)) * 1000) FROM " + table
                     + " WHERE origin = " + newId + " AND ts >= FROM_UNIXTIME(" + moments.faultWallMillis / 1000.0 + ")")) {
            rs.next();
            firstOnNewTs = rs.getString(1);
            firstOnNew = firstOnNewTs == null ? -1 : rs.getLong(2) - moments.faultWallMillis;
        }
        if (firstOnNewTs == null) {
            firstOnNewTs = "9999-12-31"; // nothing on the new server: nothing on the old one came after it
        }
        long late = 0;
        List<String> lateOnOld = new ArrayList<>();
        List<String> sentAfterSwitch = new ArrayList<>();
        // asked of the old server itself: when replication broke, the backup lacks what the old server took
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT instance, seq FROM " + table + " WHERE origin = " + oldId
                     + " AND ts >= '" + firstOnNewTs + "'")) {
            while (rs.next()) {
                late++;
                String instance = rs.getString(1);
                long seq = rs.getLong(2);
                InstanceRecord record = records.get(instance);
                AppInstance.Write w = record == null ? null : record.writes().get(seq);
                Optional<Long> left = record == null ? Optional.empty() : record.leftAt(oldServer);
                String what = instance + " write " + seq + " ran on the old server after the new one's first write"
                        + (w == null ? " (no record of it)" : "; begun "
                        + TimeUnit.NANOSECONDS.toMillis(w.beginNanos() - moments.faultNanos) + " ms after the fault, "
                        + "its caller was told " + w.outcome());
                if (w != null && left.isPresent() && w.beginNanos() > left.get()) {
                    sentAfterSwitch.add(what + "; its instance had left the old server "
                            + TimeUnit.NANOSECONDS.toMillis(w.beginNanos() - left.get()) + " ms before it began");
                }
                boolean exempt = fault.hangsPrimary() && w != null && w.beginNanos() < moments.faultNanos;
                if (!exempt) {
                    lateOnOld.add(what);
                }
            }
        }
        Set<String> present = new HashSet<>();
        for (int server = 0; server < 2; server++) {
            try (Connection c = group.adminConnection(server); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT instance, seq FROM " + table)) {
                while (rs.next()) {
                    present.add(rs.getString(1) + "/" + rs.getLong(2));
                }
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> unexpected08001 = new ArrayList<>();
        Map<String, Map<String, Long>> failures = new LinkedHashMap<>();
        long writes = 0;
        for (InstanceRecord r : records.values()) {
            List<long[]> leaseLost = r.leaseLost();
            Map<String, Long> f = new HashMap<>();
            for (Map.Entry<Long, AppInstance.Write> e : r.writes().entrySet()) {
                AppInstance.Write w = e.getValue();
                writes++;
                if (w.outcome().equals("OK")) {
                    if (!present.contains(r.name() + "/" + e.getKey())) {
                        missing.add(r.name() + " write " + e.getKey() + " was reported committed and is on neither server");
                    }
                    continue;
                }
                f.merge(w.outcome(), 1L, Long::sum);
                if (w.outcome().equals("08001")
                        && leaseLost.stream().noneMatch(s -> w.beginNanos() <= s[1] && w.endNanos() >= s[0])) {
                    unexpected08001.add(r.name() + " write " + e.getKey() + ": 08001 "
                            + TimeUnit.NANOSECONDS.toMillis(w.endNanos() - moments.faultNanos)
                            + " ms after the fault, outside a lease loss (lease lost: " + spans(leaseLost) + ")");
                }
            }
            failures.put(r.name(), f);
        }
        Map<String, Long> firstOnBackup = new LinkedHashMap<>();
        Map<Integer, Long> sinceFault = firstOn(group, 1, table, moments.faultWallMillis);
        for (int i = 0; i < options.instances(); i++) {
            if (i == lost) {
                continue;
            }
            if (i == paused) {
                Long first = firstOn(group, 1, table, moments.resumedWallMillis).get(i);
                firstOnBackup.put("app" + i + " (resumed)", first == null ? -1 : first - moments.resumedWallMillis);
            } else {
                Long first = sinceFault.get(i);
                firstOnBackup.put("app" + i, first == null ? -1 : first - moments.faultWallMillis);
            }
        }
        long allDecided = moments.allDecidedNanos < 0 ? -1
                : TimeUnit.NANOSECONDS.toMillis(moments.allDecidedNanos - moments.faultNanos);
        return new MultiInstanceScenario.Result(fault, options.describe(), failures, writes, late, lateOnOld,
                sentAfterSwitch, missing, finalStatus, allDecided, firstOnNew, firstOnBackup, restartMillis,
                unexpected08001, lockOutcome, lockCommittedOnOld, heldOutcome, healthy);
    }

    private String spans(List<long[]> spans) {
        if (spans.isEmpty()) {
            return "never";
        }
        List<String> s = new ArrayList<>();
        for (long[] span : spans) {
            s.add((span[0] == Long.MIN_VALUE ? "start" : TimeUnit.NANOSECONDS.toMillis(span[0] - moments.faultNanos)) + ".."
                    + (span[1] == Long.MAX_VALUE ? "end" : TimeUnit.NANOSECONDS.toMillis(span[1] - moments.faultNanos))
                    + " ms");
        }
        return String.join(", ", s);
    }
}
