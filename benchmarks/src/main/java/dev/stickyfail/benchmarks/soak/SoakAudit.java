package dev.stickyfail.benchmarks.soak;

import dev.stickyfail.testkit.ServerGroup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the servers hold at the end, checked against what the application was told. Run once the writers stopped and
 * replication caught up.
 *
 * <ul>
 *   <li>Both servers hold the same rows (count and a checksum over every row).</li>
 *   <li>Every write reported ok is there exactly once (the unique key on (writer, seq) makes twice impossible on one
 *   server; on two servers it would stop replication with a duplicate-key error, and the catch-up before the audit
 *   fails).</li>
 *   <li>Per switch, in its window (from its injection to the next one's): the rows the old server executed at or after
 *   the new server's first row. Each is split by when the client sent it: before the new server's first row it was in
 *   flight at the fault (a frozen server runs what it had received when it is thawed) and must have been reported
 *   failed; sent after it, it went to the old server while the new one took writes (must be 0).</li>
 * </ul>
 *
 * @param rows              rows on server 0
 * @param serversAgree      whether every server has the same rows
 * @param serverDetail      per server: count and checksum
 * @param missingOk         writes reported ok that no server has
 * @param failedButCommitted writes reported failed (or unfinished) whose row exists: their outcome was "committed"
 * @param unknownRows       rows of no write the client issued (must be 0)
 * @param lateOnOld         per switch: rows the old server ran at or after the new one's first, in the window
 * @param lateSentAfter     per switch: of those, the ones the client sent at or after the new one's first row
 * @param lateReportedOk    per switch: of those, the ones the application was told succeeded
 * @param noWriteOnNew      switches whose window has no row on the new server
 */
record SoakAudit(long rows, boolean serversAgree, String serverDetail, long missingOk, long failedButCommitted,
                 long unknownRows, long[] lateOnOld, long[] lateSentAfter, long[] lateReportedOk, List<Integer> noWriteOnNew) {

    long lateOnOldTotal() {
        return Arrays.stream(lateOnOld).sum();
    }

    long lateSentAfterTotal() {
        return Arrays.stream(lateSentAfter).sum();
    }

    long lateReportedOkTotal() {
        return Arrays.stream(lateReportedOk).sum();
    }

    static SoakAudit of(ServerGroup group, List<SwitchRecord> switches, long endMicros, Load.Outcome outcome)
            throws SQLException {
        int n = switches.size();
        long[] windowStart = new long[n];
        for (int i = 0; i < n; i++) {
            windowStart[i] = switches.get(i).injectedMicros();
        }
        Map<Long, Integer> indexOfServerId = new HashMap<>();
        for (int i = 0; i < group.size(); i++) {
            indexOfServerId.put(group.server(i).serverId(), i);
        }
        Set<Long> notOk = new HashSet<>();
        for (Load.Failure f : outcome.failures()) {
            notOk.add(key(f.writer(), f.seq()));
        }
        for (long[] u : outcome.unfinished()) {
            notOk.add(key((int) u[0], u[1]));
        }
        long[] firstOnNew = new long[n];
        Arrays.fill(firstOnNew, Long.MAX_VALUE);
        List<List<long[]>> onOld = new ArrayList<>(); // per switch: {ts, sent, writer, seq}
        for (int i = 0; i < n; i++) {
            onOld.add(new ArrayList<>());
        }
        BitSet[] present = new BitSet[outcome.issued().length];
        for (int w = 0; w < present.length; w++) {
            present[w] = new BitSet((int) Math.min(Integer.MAX_VALUE, outcome.issued()[w]));
        }
        long rows = 0;
        long unknown = 0;
        try (Connection c = group.adminConnection(0);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT writer, seq, origin, sent_us, UNIX_TIMESTAMP(ts) FROM " + Load.TABLE,
                     ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            ps.setFetchSize(Integer.MIN_VALUE); // stream
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    int writer = rs.getInt(1);
                    long seq = rs.getLong(2);
                    int origin = indexOfServerId.getOrDefault(rs.getLong(3), -1);
                    long sent = rs.getLong(4);
                    BigDecimal seconds = rs.getBigDecimal(5);
                    long ts = seconds.movePointRight(6).longValue();
                    if (writer < 0 || writer >= present.length || seq < 0 || seq >= outcome.issued()[writer]) {
                        unknown++;
                        continue;
                    }
                    present[writer].set((int) seq);
                    int w = window(windowStart, ts);
                    if (w < 0 || ts >= endMicros) {
                        continue;
                    }
                    SwitchRecord s = switches.get(w);
                    if (origin == s.to()) {
                        firstOnNew[w] = Math.min(firstOnNew[w], ts);
                    } else if (origin == s.from()) {
                        onOld.get(w).add(new long[] {ts, sent, writer, seq});
                    }
                }
            }
        }
        long missing = 0;
        long failedButCommitted = 0;
        for (int w = 0; w < present.length; w++) {
            for (long seq = 0; seq < outcome.issued()[w]; seq++) {
                boolean there = present[w].get((int) seq);
                boolean ok = !notOk.contains(key(w, seq));
                if (ok && !there) {
                    missing++;
                } else if (!ok && there) {
                    failedButCommitted++;
                }
            }
        }
        long[] late = new long[n];
        long[] sentAfter = new long[n];
        long[] reportedOk = new long[n];
        List<Integer> noWriteOnNew = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (firstOnNew[i] == Long.MAX_VALUE) {
                noWriteOnNew.add(i);
                continue;
            }
            for (long[] r : onOld.get(i)) {
                if (r[0] >= firstOnNew[i]) {
                    late[i]++;
                    if (r[1] >= firstOnNew[i]) {
                        sentAfter[i]++;
                    }
                    if (!notOk.contains(key((int) r[2], r[3]))) {
                        reportedOk[i]++;
                    }
                }
            }
        }
        StringBuilder detail = new StringBuilder();
        boolean agree = true;
        String first = null;
        for (int i = 0; i < group.size(); i++) {
            String sum = checksum(group, i);
            detail.append(i == 0 ? "" : "; ").append("db").append(i).append(": ").append(sum);
            if (first == null) {
                first = sum;
            } else if (!first.equals(sum)) {
                agree = false;
            }
        }
        return new SoakAudit(rows, agree, detail.toString(), missing, failedButCommitted, unknown, late, sentAfter,
                reportedOk, noWriteOnNew);
    }

    private static long key(int writer, long seq) {
        return ((long) writer << 40) | seq;
    }

    /** The switch whose window holds {@code ts}: the last one injected at or before it, or -1. */
    private static int window(long[] starts, long ts) {
        int i = Arrays.binarySearch(starts, ts);
        return i >= 0 ? i : -i - 2;
    }

    private static String checksum(ServerGroup group, int index) throws SQLException {
        try (Connection c = group.adminConnection(index); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS(',', id, writer, seq, "
                     + "origin, sent_us, ts))), 0) FROM " + Load.TABLE)) {
            rs.next();
            return rs.getLong(1) + " rows, checksum " + Long.toHexString(rs.getLong(2));
        }
    }
}
