package dev.stickyfail.testkit.workload;

import dev.stickyfail.testkit.ReplicationStatus;
import dev.stickyfail.testkit.ServerGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * One failover run: writers through the given clients, the primary (server 0) gets a {@link Fault} after
 * {@link ScenarioOptions#before()}, is healed after {@link ScenarioOptions#outage()}, the writers go on for
 * {@link ScenarioOptions#after()}; then the writers stop, the clients are closed, replication must catch up and be
 * healthy, and every server's rows of the run are read back for the {@link Audit}.
 *
 * <pre>{@code
 * try (Topology topology = Topology.forFault(group, options.fault())) {
 *     FailoverScenario scenario = new FailoverScenario(topology, options, "my-run");
 *     scenario.prepare();                                   // the table, replicated
 *     DataSource ds = ...;                                  // any driver, over topology.hostList()
 *     // a driver's listener may add its own events: scenario.timeline().add(Kind.SWITCH, "...")
 *     ScenarioResult result = scenario.run(List.of(new WorkloadClient("app", ds, pool)), listener);
 * }
 * }</pre>
 *
 * <p>The run's clock: phases are timed from the run's start with {@link LockSupport#parkNanos}; that is the
 * scenario's schedule, not a wait for something to happen.
 */
public final class FailoverScenario {

    /** The server the fault hits: the first in the host list. */
    public static final int PRIMARY = 0;

    private static final Logger LOG = LoggerFactory.getLogger(FailoverScenario.class);
    /** How long closing one client (e.g. a pool) may take before the run goes on without it. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

    private final Topology topology;
    private final ScenarioOptions options;
    private final String runId;
    private final Timeline timeline;
    private boolean prepared;

    public FailoverScenario(Topology topology, ScenarioOptions options, String runId) {
        if (topology.size() < 2) {
            throw new IllegalArgumentException("a failover needs at least 2 servers, the group has " + topology.size());
        }
        if (options.fault().needsProxies() && topology.proxies().isEmpty()) {
            throw new IllegalArgumentException("the fault " + options.fault().id() + " needs fault proxies: use "
                    + "Topology.forFault(group, fault) or Topology.proxied(group)");
        }
        if (runId == null || runId.isEmpty() || runId.length() > 64) {
            throw new IllegalArgumentException("runId must be 1 to 64 characters, was " + runId);
        }
        this.topology = topology;
        this.options = options;
        this.runId = runId;
        this.timeline = new Timeline(topology);
    }

    public Topology topology() {
        return topology;
    }

    public ScenarioOptions options() {
        return options;
    }

    public String runId() {
        return runId;
    }

    /** The run's timeline: drivers' listeners add their events here (switches, servers marked up or down). */
    public Timeline timeline() {
        return timeline;
    }

    /** Creates the run's table (if missing) and waits until every server has it. Idempotent. */
    public void prepare() throws SQLException {
        if (!prepared) {
            WorkloadTable.create(topology.group(), options.table());
            prepared = true;
        }
    }

    /** Runs the scenario; {@code listener} follows it live. Closes every client's resources before returning. */
    public ScenarioResult run(List<WorkloadClient> clients, ScenarioListener listener) throws SQLException {
        try {
            prepare();
        } catch (SQLException | RuntimeException e) {
            closeClients(clients);
            throw e;
        }
        ScenarioListener live = listener == null ? new ScenarioListener() { } : listener;
        timeline.sendTo(event -> {
            try {
                live.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("scenario listener failed on {}: {}", event, e.toString());
            }
        });
        Workload workload = new Workload(topology, clients, runId, options);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "workload-ticker");
            t.setDaemon(true);
            return t;
        });
        boolean injected = false;
        boolean healed = false;
        List<Op> ops = null;
        long faultAt = 0;
        long healedAt = 0;
        long stoppedAt = 0;
        long origin = System.nanoTime();
        long originWallMicros = wallMicros();
        try {
            timeline.startAt(origin);
            workload.start(origin);
            timeline.addAt(0, TimelineEvent.Kind.START, options.writers() + " writers, " + options.rate()
                    + " writes/s in total, through " + clients.stream().map(WorkloadClient::name)
                    .collect(Collectors.joining(", ")));
            ticker.scheduleAtFixedRate(() -> {
                try {
                    live.onTick(workload.tick());
                } catch (RuntimeException e) {
                    LOG.warn("scenario listener failed on a tick: {}", e.toString());
                }
            }, 1, 1, TimeUnit.SECONDS);

            parkUntil(origin + options.before().toNanos());
            faultAt = timeline.now();
            long faultTime = faultAt;
            workload.watchFirstSuccess(faultAt, PRIMARY, (server, end) -> timeline.addAt(end,
                    TimelineEvent.Kind.FIRST_WRITE_ON_BACKUP, "first write on " + topology.label(server) + ", "
                            + millis(end - faultTime) + " after the fault"));
            timeline.addAt(faultAt, TimelineEvent.Kind.FAULT, topology.label(PRIMARY) + " " + options.fault().injectedText());
            injected = true;
            options.fault().inject(topology, PRIMARY);

            parkUntil(origin + faultAt + options.outage().toNanos());
            long healStart = System.nanoTime();
            options.fault().heal(topology, PRIMARY);
            healed = true;
            healedAt = timeline.now();
            timeline.addAt(healedAt, TimelineEvent.Kind.HEALED, topology.label(PRIMARY) + " " + options.fault().healedText()
                    + " (" + millis(System.nanoTime() - healStart) + ")");

            parkUntil(origin + healedAt + options.after().toNanos());
            ops = workload.stop(options.stopGrace());
            stoppedAt = timeline.now();
            long finished = ops.stream().filter(o -> o.outcome() != Op.Outcome.UNFINISHED).count();
            timeline.addAt(stoppedAt, TimelineEvent.Kind.STOP, "writers stopped after " + finished + " operations"
                    + (ops.size() > finished ? "; " + (ops.size() - finished) + " still blocked" : ""));
        } finally {
            ticker.shutdownNow();
            if (ops == null) {
                workload.stop(Duration.ofMillis(1));
            }
            closeClients(clients);
            if (injected && !healed) {
                try {
                    options.fault().heal(topology, PRIMARY);
                } catch (RuntimeException e) {
                    LOG.warn("could not undo the fault after a failed run: {}", e.toString());
                }
            }
        }
        ReplicationCheck replication = checkReplication();
        timeline.add(TimelineEvent.Kind.REPLICATION, replication.ok()
                ? "replication caught up in " + millis(replication.took().toNanos()) + " and healthy: " + replication.detail()
                : "replication NOT ok: " + replication.detail());

        Audit audit = audit(ops, originWallMicros, faultAt / 1000);
        return new ScenarioResult(runId, options, topology.labels(), PRIMARY, ops, timeline.events(), faultAt,
                healedAt, stoppedAt, workload.skippedSlots(), replication, audit);
    }

    /**
     * Closes every client's resources, each on its own thread, waiting at most {@link #CLOSE_WAIT} for each: a pool
     * whose connections are blocked for ever (a driver without timeouts on a blackholed server) may never finish
     * closing, and the run must go on. Such a close is left to finish in the background and noted on the timeline.
     */
    private void closeClients(List<WorkloadClient> clients) {
        for (WorkloadClient c : clients) {
            if (c.resources() == null) {
                continue;
            }
            Thread closer = new Thread(() -> {
                try {
                    c.resources().close();
                } catch (Exception e) {
                    LOG.warn("closing client {} failed: {}", c.name(), e.toString());
                }
            }, "workload-close-" + c.name());
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(CLOSE_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (closer.isAlive()) {
                timeline.add(TimelineEvent.Kind.NOTE, "closing " + c.name() + " did not finish within "
                        + CLOSE_WAIT.toSeconds() + " s (its connections are still blocked); left to finish in the background");
            }
        }
    }

    private ReplicationCheck checkReplication() {
        ServerGroup group = topology.group();
        long start = System.nanoTime();
        try {
            group.awaitReplicationCaughtUp(options.replicationTimeout());
        } catch (AssertionError e) {
            return new ReplicationCheck(false, false, Duration.ofNanos(System.nanoTime() - start),
                    oneLine(e.getMessage()));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        List<ReplicationStatus> statuses = group.replicationStatus();
        boolean healthy = statuses.stream().allMatch(ReplicationStatus::healthy);
        String detail = statuses.stream().map(s -> topology.label(s.sourceIndex()) + "->" + topology.label(s.replicaIndex())
                        + (s.healthy() ? " running" : " " + s))
                .collect(Collectors.joining(", "));
        return new ReplicationCheck(true, healthy, took, detail);
    }

    private Audit audit(List<Op> ops, long originWallMicros, long faultAtMicros) {
        List<String> problems = new ArrayList<>();
        Map<Long, WorkloadTable.Row> rows = new HashMap<>();
        ServerGroup group = topology.group();
        for (int i = 0; i < group.size(); i++) {
            try {
                for (Map.Entry<Long, WorkloadTable.Row> e : WorkloadTable.read(group, i, options.table(), runId).entrySet()) {
                    WorkloadTable.Row row = new WorkloadTable.Row(e.getValue().origin(), e.getValue().tsMicros() - originWallMicros);
                    WorkloadTable.Row previous = rows.putIfAbsent(e.getKey(), row);
                    if (previous != null && previous.origin() != row.origin()) {
                        problems.add("a row differs between servers (writer/seq key " + e.getKey() + ")");
                    }
                }
            } catch (SQLException e) {
                problems.add("cannot read the rows of " + topology.label(i) + ": " + e.getMessage());
            }
        }
        Audit audit = Audit.of(rows, ops, group.size(), PRIMARY, faultAtMicros, problems);
        if (audit.attributionMismatches() > 0) {
            List<String> more = new ArrayList<>(audit.problems());
            more.add(audit.attributionMismatches() + " write(s) were attributed to another server than the one that "
                    + "executed them (a measurement error)");
            audit = new Audit(audit.rowsPerServer(), audit.newServer(), audit.firstOnNewMicros(), audit.lastOnOldMicros(),
                    audit.writesOnOldAfterFirstOnNew(), audit.lateWrites(), audit.dualWriteSpanMicros(), audit.originChanges(),
                    audit.failedButCommitted(), audit.acknowledgedButMissing(), audit.attributionMismatches(), more);
        }
        return audit;
    }

    private static void parkUntil(long deadlineNanos) {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the run");
            }
        }
    }

    private static long wallMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    static String millis(long nanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return ms < 10_000 ? ms + " ms" : String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\n\\s*", "; ");
    }
}
