package dev.stickyfail.testkit.workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Everything a {@link FailoverScenario} measured: the operations as the application saw them, the timeline, the
 * replication check and the {@link Audit} of what the servers took. Times are relative to the run's start.
 */
public final class ScenarioResult {

    private final String runId;
    private final ScenarioOptions options;
    private final List<String> labels;
    private final int faulted;
    private final List<Op> ops;
    private final List<TimelineEvent> events;
    private final long faultAtNanos;
    private final long healedAtNanos;
    private final long stoppedAtNanos;
    private final long skippedSlots;
    private final ReplicationCheck replication;
    private final Audit audit;

    ScenarioResult(String runId, ScenarioOptions options, List<String> labels, int faulted, List<Op> ops,
                   List<TimelineEvent> events, long faultAtNanos, long healedAtNanos, long stoppedAtNanos,
                   long skippedSlots, ReplicationCheck replication, Audit audit) {
        this.runId = runId;
        this.options = options;
        this.labels = List.copyOf(labels);
        this.faulted = faulted;
        this.ops = List.copyOf(ops);
        this.events = List.copyOf(events);
        this.faultAtNanos = faultAtNanos;
        this.healedAtNanos = healedAtNanos;
        this.stoppedAtNanos = stoppedAtNanos;
        this.skippedSlots = skippedSlots;
        this.replication = replication;
        this.audit = audit;
    }

    public String runId() {
        return runId;
    }

    public ScenarioOptions options() {
        return options;
    }

    /** Server labels by index: {@code db0}, {@code db1}, ... */
    public List<String> labels() {
        return labels;
    }

    /** The server the fault hit (the primary, 0). */
    public int faulted() {
        return faulted;
    }

    /** Every operation, by start time. */
    public List<Op> ops() {
        return ops;
    }

    public List<TimelineEvent> events() {
        return events;
    }

    public long faultAtNanos() {
        return faultAtNanos;
    }

    public long healedAtNanos() {
        return healedAtNanos;
    }

    public long stoppedAtNanos() {
        return stoppedAtNanos;
    }

    /** Fixed-rate slots writers skipped because they were blocked in an operation. */
    public long skippedSlots() {
        return skippedSlots;
    }

    public ReplicationCheck replication() {
        return replication;
    }

    public Audit audit() {
        return audit;
    }

    // ---------------------------------------------------------------- what the application saw

    public long attempted() {
        return ops.size();
    }

    public long ok() {
        return ops.stream().filter(Op::ok).count();
    }

    public long okOn(int server) {
        return ops.stream().filter(o -> o.ok() && o.server() == server).count();
    }

    /** Successes on {@code server} that ended at or after {@code fromNanos}. */
    public long okOnSince(int server, long fromNanos) {
        return ops.stream().filter(o -> o.ok() && o.server() == server && o.endNanos() >= fromNanos).count();
    }

    public long failed() {
        return ops.stream().filter(o -> o.outcome() == Op.Outcome.FAILED).count();
    }

    /** Operations still blocked when the run ended. */
    public long unfinished() {
        return ops.stream().filter(o -> o.outcome() == Op.Outcome.UNFINISHED).count();
    }

    /** Failures by SQLState ({@code none} when the exception had none), sorted by state. */
    public Map<String, Long> failuresBySqlState() {
        Map<String, Long> result = new TreeMap<>();
        ops.stream().filter(o -> o.outcome() == Op.Outcome.FAILED).forEach(o -> result.merge(o.sqlState(), 1L, Long::sum));
        return result;
    }

    /** For each SQLState, the first failure's exception and message. */
    public Map<String, String> exampleErrors() {
        Map<String, String> result = new LinkedHashMap<>();
        ops.stream().filter(o -> o.outcome() == Op.Outcome.FAILED).forEach(o -> result.putIfAbsent(o.sqlState(), o.error()));
        return result;
    }

    /** "08S01 x 5, 08007 x 1", or "none". */
    public String failuresText() {
        Map<String, Long> byState = failuresBySqlState();
        if (byState.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        byState.forEach((state, n) -> parts.add(state + " x " + n));
        return String.join(", ", parts);
    }

    /** Successful operations that started at or after the fault and took at least the held threshold. */
    public long held() {
        long threshold = options.heldThreshold().toNanos();
        return ops.stream().filter(o -> o.ok() && o.startNanos() >= faultAtNanos && o.latencyNanos() >= threshold).count();
    }

    /** The longest successful operation that started at or after the fault. */
    public Duration maxOkLatencyAfterFault() {
        return Duration.ofNanos(ops.stream().filter(o -> o.ok() && o.startNanos() >= faultAtNanos)
                .mapToLong(Op::latencyNanos).max().orElse(0));
    }

    /** Successful operations before the fault that took at least the held threshold: the noise floor of "held". */
    public long slowBeforeFault() {
        long threshold = options.heldThreshold().toNanos();
        return ops.stream().filter(o -> o.ok() && o.endNanos() < faultAtNanos && o.latencyNanos() >= threshold).count();
    }

    /** The 99th percentile latency of the operations that ended before the fault. */
    public Duration p99BeforeFault() {
        long[] latencies = ops.stream().filter(o -> o.ok() && o.endNanos() < faultAtNanos)
                .mapToLong(Op::latencyNanos).sorted().toArray();
        if (latencies.length == 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(latencies[Math.min(latencies.length - 1, (int) Math.ceil(latencies.length * 0.99) - 1)]);
    }

    /**
     * From the fault to the end of the first operation that committed on another server: the time to the first
     * successful write on the backup. Empty when no write reached another server.
     */
    public Optional<Duration> timeToFirstWriteOnBackup() {
        OptionalLong end = ops.stream().filter(o -> o.ok() && o.server() != faulted && o.endNanos() >= faultAtNanos)
                .mapToLong(Op::endNanos).min();
        return end.isPresent() ? Optional.of(Duration.ofNanos(end.getAsLong() - faultAtNanos)) : Optional.empty();
    }

    /** The server that took the first write after the fault other than the faulted one, or -1. */
    public int backup() {
        return ops.stream().filter(o -> o.ok() && o.server() != faulted && o.endNanos() >= faultAtNanos)
                .min((a, b) -> Long.compare(a.endNanos(), b.endNanos())).map(Op::server).orElse(-1);
    }

    /** The first event of {@code kind} at or after the fault. */
    public Optional<TimelineEvent> firstAfterFault(TimelineEvent.Kind kind) {
        return events.stream().filter(e -> e.kind() == kind && e.atNanos() >= faultAtNanos).findFirst();
    }

    /** From the fault to the end of the last failed operation; empty when none failed after the fault. */
    public Optional<Duration> lastFailureAfterFault() {
        OptionalLong end = ops.stream().filter(o -> o.outcome() == Op.Outcome.FAILED && o.endNanos() >= faultAtNanos)
                .mapToLong(Op::endNanos).max();
        return end.isPresent() ? Optional.of(Duration.ofNanos(end.getAsLong() - faultAtNanos)) : Optional.empty();
    }

    // ---------------------------------------------------------------- the guarantees

    /** What an application is told when the outcome of a write is unknown (transaction resolution unknown). */
    private static final String UNKNOWN_OUTCOME = "08007";

    /**
     * Why the run did not meet stickyfail's guarantees, in words; empty when it did:
     * <ul>
     * <li>nothing is sent to the old server once the new one takes writes;</li>
     * <li>a write the old server runs after the first write on the new one can only be one that was already in flight
     * when the fault hit (a hung server runs what it had received when it wakes), and its caller was told its outcome
     * is unknown ({@code 08007});</li>
     * <li>no write the application was told failed (any SQLState but {@code 08007}) was in fact committed;</li>
     * <li>replication caught up and healthy, and writes reached the backup.</li>
     * </ul>
     */
    public List<String> violations() {
        List<String> v = new ArrayList<>();
        String old = labels.get(faulted);
        if (audit.lateWritesSentAfter() > 0) {
            v.add(audit.lateWritesSentAfter() + " write(s) were sent to " + old + " after the first write on "
                    + labels.get(audit.newServer()) + " and ran there: two servers took writes at once");
        }
        long misreported = audit.lateWrites().stream()
                .filter(w -> audit.firstOnNewMicros() != null && w.sentMicros() < audit.firstOnNewMicros())
                .filter(w -> !UNKNOWN_OUTCOME.equals(w.seen())).count();
        if (misreported > 0) {
            v.add(misreported + " write(s) in flight when the fault hit ran on " + old + " after the first write on "
                    + labels.get(audit.newServer()) + ", and the application was not told their outcome is unknown (08007)");
        }
        audit.failedButCommitted().forEach((seen, n) -> {
            if (!UNKNOWN_OUTCOME.equals(seen)) {
                v.add(n + " write(s) the application was told failed (" + seen + ") were in fact committed");
            }
        });
        if (!replication.caughtUp()) {
            v.add("replication did not catch up: " + replication.detail());
        } else if (!replication.healthy()) {
            v.add("replication is not healthy: " + replication.detail());
        }
        if (timeToFirstWriteOnBackup().isEmpty()) {
            v.add("no write reached another server after " + labels.get(faulted) + " was " + options.fault().injectedText());
        }
        v.addAll(audit.problems());
        return v;
    }

    public boolean guaranteesMet() {
        return violations().isEmpty();
    }

    // ---------------------------------------------------------------- series for charts

    /**
     * Writes per bucket per server (by the end of each successful operation) and failures per bucket, from the
     * start of the run to the end of its last full bucket.
     */
    public Series series(Duration bucket) {
        long size = bucket.toNanos();
        int buckets = (int) Math.max(1, stoppedAtNanos / size);
        long[][] okPerServer = new long[labels.size()][buckets];
        long[] failedPerBucket = new long[buckets];
        for (Op o : ops) {
            long b = Math.max(0, o.endNanos() / size);
            if (b >= buckets) {
                continue;
            }
            if (o.ok()) {
                okPerServer[o.server()][(int) b]++;
            } else if (o.outcome() == Op.Outcome.FAILED) {
                failedPerBucket[(int) b]++;
            }
        }
        return new Series(bucket, okPerServer, failedPerBucket);
    }

    /**
     * Counts per time bucket.
     *
     * @param bucket       bucket length
     * @param okPerServer  [server][bucket] successful writes
     * @param failed       [bucket] failed operations
     */
    public record Series(Duration bucket, long[][] okPerServer, long[] failed) {

        public int buckets() {
            return failed.length;
        }

        /** Per second, from a bucket's count. */
        public double perSecond(long count) {
            return count * 1e9 / bucket.toNanos();
        }

        @Override
        public String toString() {
            return "Series[" + bucket + ", " + Arrays.deepToString(okPerServer) + ", failed " + Arrays.toString(failed) + "]";
        }
    }
}
