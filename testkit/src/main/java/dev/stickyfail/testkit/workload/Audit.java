package dev.stickyfail.testkit.workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the servers took, read back from every server after the run (server-side facts, not the client's view).
 * Times are the servers' {@code NOW(6)} in microseconds relative to the run's start: the testkit's servers share
 * the host's clock, so times of two servers compare (on real machines they would differ by the clock skew).
 *
 * @param rowsPerServer              rows of the run by the server that executed them (index)
 * @param newServer                  the server that took the first write after the fault other than the faulted
 *                                   one, or -1 if none did
 * @param firstOnNewMicros           that write's time, or null
 * @param lastOnOldMicros            the faulted server's last write of the run, or null
 * @param writesOnOldAfterFirstOnNew writes the faulted server executed at or after the first write on the new
 *                                   server: two servers taking writes at once (must be 0)
 * @param lateWrites                 those writes, each with when the client sent it: one sent before the first
 *                                   write on the new server was in flight when the fault hit and was executed
 *                                   late (a frozen server executes what it had received when it resumes); one
 *                                   sent after it was routed to the old server after the new one took writes
 * @param dualWriteSpanMicros        how long both took writes: last on the old minus first on the new, or 0
 * @param originChanges              how often, rows sorted by server time, the server changes: 1 for one clean
 *                                   failover, more when writes went back and forth
 * @param failedButCommitted         operations the application saw fail (or still blocked at the end) whose row
 *                                   exists, by SQLState: their outcome was in fact "committed"
 * @param acknowledgedButMissing     operations acknowledged to the application whose row is on no server
 * @param attributionMismatches      successful operations the client attributed to another server than the row
 *                                   says (must be 0; a sanity check of the measurement)
 * @param problems                   what could not be checked, or looked wrong, in words
 */
public record Audit(long[] rowsPerServer, int newServer, Long firstOnNewMicros, Long lastOnOldMicros,
                    long writesOnOldAfterFirstOnNew, List<LateWrite> lateWrites, long dualWriteSpanMicros, long originChanges,
                    Map<String, Long> failedButCommitted, long acknowledgedButMissing, long attributionMismatches,
                    List<String> problems) {

    public Audit {
        rowsPerServer = rowsPerServer.clone();
        failedButCommitted = Collections.unmodifiableMap(new TreeMap<>(failedButCommitted));
        problems = List.copyOf(problems);
        lateWrites = List.copyOf(lateWrites);
    }

    /**
     * A write the old server executed at or after the first write on the new one.
     *
     * @param writer         the writer
     * @param seq            its operation number
     * @param sentMicros     when the client began the operation (relative to the run's start)
     * @param executedMicros the old server's {@code NOW(6)} for it
     * @param seen           what the application was told: {@code OK}, a SQLState, or {@code unfinished}
     */
    public record LateWrite(int writer, long seq, long sentMicros, long executedMicros, String seen) {
    }

    /** Late writes the client sent before the first write on the new server: in flight when the fault hit. */
    public long lateWritesSentBefore() {
        return writesOnOldAfterFirstOnNew - lateWritesSentAfter();
    }

    /**
     * Late writes the client sent at or after the first write on the new server: routed to the old server while the
     * new one took writes (a driver that leaves the old server for good never does that).
     */
    public long lateWritesSentAfter() {
        return firstOnNewMicros == null ? 0
                : lateWrites.stream().filter(w -> w.sentMicros() >= firstOnNewMicros).count();
    }

    @Override
    public long[] rowsPerServer() {
        return rowsPerServer.clone();
    }

    public long failedButCommittedTotal() {
        return failedButCommitted.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * @param rows          every row of the run, from all servers, by {@link Op#key(int, long)}; times relative to
     *                      the run's start
     * @param faulted       the server the fault hit
     * @param faultAtMicros when, relative to the run's start
     */
    static Audit of(Map<Long, WorkloadTable.Row> rows, List<Op> ops, int servers, int faulted, long faultAtMicros,
                    List<String> problems) {
        long[] perServer = new long[servers];
        int newServer = -1;
        long firstOnNew = Long.MAX_VALUE;
        long lastOnOld = Long.MIN_VALUE;
        List<WorkloadTable.Row> sorted = new ArrayList<>(rows.values());
        for (WorkloadTable.Row r : sorted) {
            if (r.origin() >= 0 && r.origin() < servers) {
                perServer[r.origin()]++;
            }
            if (r.origin() != faulted && r.tsMicros() >= faultAtMicros && r.tsMicros() < firstOnNew) {
                firstOnNew = r.tsMicros();
                newServer = r.origin();
            }
            if (r.origin() == faulted && r.tsMicros() > lastOnOld) {
                lastOnOld = r.tsMicros();
            }
        }
        Map<Long, Op> opsByKey = new HashMap<>();
        for (Op op : ops) {
            opsByKey.put(op.key(), op);
        }
        List<LateWrite> late = new ArrayList<>();
        if (newServer >= 0) {
            for (Map.Entry<Long, WorkloadTable.Row> e : rows.entrySet()) {
                WorkloadTable.Row r = e.getValue();
                if (r.origin() == faulted && r.tsMicros() >= firstOnNew) {
                    Op op = opsByKey.get(e.getKey());
                    late.add(op == null
                            ? new LateWrite((int) (e.getKey() >>> 40), e.getKey() & ((1L << 40) - 1), Long.MIN_VALUE, r.tsMicros(), "no such operation")
                            : new LateWrite(op.writer(), op.seq(), op.startNanos() / 1000, r.tsMicros(),
                            op.ok() ? "OK" : op.sqlState()));
                }
            }
            late.sort((a, b) -> Long.compare(a.executedMicros(), b.executedMicros()));
        }
        sorted.sort((a, b) -> Long.compare(a.tsMicros(), b.tsMicros()));
        long changes = 0;
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).origin() != sorted.get(i - 1).origin()) {
                changes++;
            }
        }
        Map<String, Long> failedButCommitted = new TreeMap<>();
        long missing = 0;
        long mismatches = 0;
        for (Op op : ops) {
            WorkloadTable.Row row = rows.get(op.key());
            if (op.ok()) {
                if (row == null) {
                    missing++;
                } else if (row.origin() != op.server()) {
                    mismatches++;
                }
            } else if (row != null) {
                failedButCommitted.merge(op.sqlState(), 1L, Long::sum);
            }
        }
        boolean hasNew = newServer >= 0;
        return new Audit(perServer, newServer, hasNew ? firstOnNew : null,
                lastOnOld == Long.MIN_VALUE ? null : lastOnOld, late.size(), late,
                hasNew && lastOnOld > firstOnNew ? lastOnOld - firstOnNew : 0, changes, failedButCommitted, missing,
                mismatches, problems);
    }

    @Override
    public String toString() {
        return "Audit[rows " + Arrays.toString(rowsPerServer) + ", new server " + newServer
                + ", writes on the old server after the first on the new " + writesOnOldAfterFirstOnNew
                + " (sent after it " + lateWritesSentAfter() + ")"
                + ", failed but committed " + failedButCommitted + ", acknowledged but missing "
                + acknowledgedButMissing + ", problems " + problems + "]";
    }
}
