package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.AccountCheck;
import dev.stickyfail.admin.ErrantReport;
import dev.stickyfail.admin.MissingCommitsReport;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.ErrantTransactionsEvent;
import dev.stickyfail.event.MissingCommitsEvent;
import dev.stickyfail.internal.replication.AcknowledgedCommits;
import dev.stickyfail.internal.replication.CatchUp;
import dev.stickyfail.internal.replication.CatchUpResult;
import dev.stickyfail.internal.replication.ErrantTransactions;
import dev.stickyfail.internal.replication.GtidRange;
import dev.stickyfail.internal.replication.GtidSet;
import dev.stickyfail.internal.replication.ReplicationSource;
import dev.stickyfail.internal.replication.ReplicationView;
import dev.stickyfail.internal.replication.ServerFlavour;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What only an in-process driver can do at a switch, because it speaks MySQL to both servers and sees every commit's
 * reply: make the new server have every commit the application was told succeeded, and apply the backlog it had
 * received from the old one, before it takes writes; say exactly which acknowledged commits it still lacks when it
 * cannot; and, when the old server is reachable again, report the transactions it has that the new one never
 * received. The catch-up runs on the decider thread, the report and the check of the accounts' rights on a background
 * thread (they must not hold up a switch); every call is bounded.
 */
final class ReplicationGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationGuard.class);
    private static final int REPORTS_KEPT = 20;
    /** The longest a rehearsal waits for what the server has pending: it proves nothing, it only runs the code. */
    private static final Duration REHEARSAL_WAIT = Duration.ofMillis(200);
    /** The budget of the session attempt that tells whether an old server is gone: a refusal or a close is at once. */
    private static final Duration GONE_CHECK = Duration.ofMillis(250);

    /** The new server's view of an abandoned server, recorded at the switch away from it. */
    private record Pending(int newServer, long epoch, ReplicationView view) {
    }

    private final GroupRuntime group;
    private final EventDispatcher events;
    /** Written by the decider at a switch, read by the background thread that reports a returning server. */
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Deque<ErrantReport> reports = new ArrayDeque<>();
    private final Deque<MissingCommitsReport> missing = new ArrayDeque<>();
    private final AcknowledgedCommits acknowledged;
    /**
     * Each server's {@code server_id} (MariaDB) or {@code server_uuid} (MySQL), learnt from a session to it: a replica's
     * connection from a server matches it by this even when the replica names it otherwise than the URL does (an IP
     * address there, a DNS name here), with no lookup on the switch path.
     */
    private final Map<Integer, String> identities = new ConcurrentHashMap<>();
    private final RightsCheck rights;
    /**
     * A session to each server opened ahead of a switch, for the catch-up on it: a new one costs a login (15 to 40 ms
     * on the loaded test machine) at the moment every request waits for the switch. Opened in the background when the
     * server comes up, taken by a switch to it, pinged before use (one that died meanwhile is replaced by a new one).
     */
    private final Map<Integer, Connection> spares = new ConcurrentHashMap<>();
    private volatile boolean closed;

    ReplicationGuard(GroupRuntime group, EventDispatcher events) {
        this.group = group;
        this.events = events;
        this.acknowledged = new AcknowledgedCommits(group.serverArray().length);
        this.rights = new RightsCheck(group);
    }

    /**
     * Where the commits acknowledged on {@code server} are recorded (by the session listener of every connection to
     * it), or null when the catch-up is off and they are not tracked.
     */
    AcknowledgedCommits.Server acknowledged(int server) {
        return group.config().switchCatchUp() ? acknowledged.server(server) : null;
    }

    /**
     * Waits until {@code to} has every commit acknowledged on the other servers and has applied what it received from
     * {@code from}, within {@code stickyfail.switchCatchUpTimeout}; switches anyway when it cannot, and says so,
     * naming the acknowledged commits it lacks.
     */
    void catchUp(int from, int to, long epoch) {
        if (!group.config().switchCatchUp() && !group.config().reportAbandonedReturn()) {
            return;
        }
        ServerAddress old = group.server(from);
        ServerAddress next = group.server(to);
        Duration timeout = group.config().switchCatchUp() ? group.config().switchCatchUpTimeout() : Duration.ofSeconds(2);
        CatchUpResult result;
        long opening = System.nanoTime();
        try (Connection session = catchUpSession(to, timeout)) {
            LOG.debug("stickyfail[{}] catch-up session to {} opened in {} us", group.name(), next,
                    (System.nanoTime() - opening) / 1000);
            ReplicationSource source = source(from);
            if (group.config().switchCatchUp()) {
                result = new CatchUp(session, source, flavour -> acknowledged.snapshot(flavour, to), timeout,
                        () -> gone(from)).run();
            } else {
                result = new CatchUpResult(CatchUpResult.Outcome.NOT_APPLICABLE, Duration.ZERO, "stickyfail.switchCatchUp=false",
                        Optional.of(ReplicationView.read(session, source, timeout)), Optional.empty());
            }
        } catch (SQLException | RuntimeException e) {
            result = new CatchUpResult(CatchUpResult.Outcome.FAILED, Duration.ZERO, "cannot open a session to " + next
                    + ": " + e.getMessage(), Optional.empty(), Optional.empty());
        }
        String waited = result.waitedFor().map(g -> GtidRange.summary(g.ranges())).orElse("");
        switch (result.outcome()) {
            case CAUGHT_UP:
                if (!waited.isEmpty() || !result.detail().isEmpty()) {
                    LOG.info("stickyfail[{}] {} caught up before taking writes ({} ms): {}", group.name(), next,
                            result.took().toMillis(), result.detail());
                }
                break;
            case NOT_APPLICABLE:
                LOG.debug("stickyfail[{}] no catch-up for {} ({} us): {}", group.name(), next,
                        result.took().toNanos() / 1000, result.detail());
                break;
            default:
                // the timeout is named only where it ended the wait: a lost source ends it at once
                String limit = result.outcome() == CatchUpResult.Outcome.TIMED_OUT ? " (stickyfail.switchCatchUpTimeout="
                        + group.config().switchCatchUpTimeout().toMillis() + " ms)" : "";
                LOG.warn("stickyfail[{}] switching to {} without it having caught up with {}: {}{}; a conflict with the "
                        + "old server's last writes is possible", group.name(), next, old, result.detail(), limit);
        }
        events.catchUp(new CatchUpEvent(group.name(), old, next, epoch, result.outcome().name(), result.took(), waited,
                result.detail()));
        if (result.missesAcknowledged()) {
            reportMissing(old, next, epoch, result);
        }
        result.view().ifPresent(v -> learnIdentity(to, v));
        result.view().filter(v -> v.notApplicable().isEmpty())
                .ifPresent(v -> pending.put(from, new Pending(to, epoch, v)));
    }

    /** The spare session to {@code to} if it still answers a ping, else a new one. */
    private Connection catchUpSession(int to, Duration timeout) throws SQLException {
        Connection spare = spares.remove(to);
        if (spare != null) {
            if (answers(spare)) {
                return spare;
            }
            closeQuietly(spare);
        }
        return group.openProbeSession(to, timeout);
    }

    /** Opens (or checks) the spare session to {@code server}; on the background thread, when it comes up. */
    void prepareSession(int server) {
        if (!group.config().switchCatchUp() || closed) {
            return;
        }
        Connection spare = spares.get(server);
        if (spare != null) {
            if (answers(spare)) {
                return;
            }
            if (spares.remove(server, spare)) {
                closeQuietly(spare);
            }
        }
        try {
            Connection fresh = group.openProbeSession(server, group.config().connectTimeout().plus(group.config().checkTimeout()));
            if (spares.putIfAbsent(server, fresh) != null) {
                closeQuietly(fresh);
            } else if (closed && spares.remove(server, fresh)) {
                closeQuietly(fresh); // closed meanwhile
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("stickyfail[{}] no spare catch-up session to {}: {}", group.name(), group.server(server), e.toString());
        }
    }

    /** Closes the spare sessions. */
    void close() {
        closed = true;
        spares.values().forEach(ReplicationGuard::closeQuietly);
        spares.clear();
    }

    /** Whether {@code c} answers a ping within a second. */
    private static boolean answers(Connection c) {
        try {
            return c.isValid(1);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            // already broken
        }
    }

    /**
     * The catch-up's reads on {@code to} as if the group were switching to it from another server, its result thrown
     * away: no event, no log above DEBUG, nothing recorded ({@link SwitchRehearsal}). Bounded by the probe's timeouts
     * and a short wait. Returns what it found, or why it did not run.
     */
    String rehearseCatchUp(int to) {
        if (!group.config().switchCatchUp() && !group.config().reportAbandonedReturn()) {
            return "off";
        }
        int from = (to + 1) % group.serverArray().length;
        if (from == to) {
            return "a single server";
        }
        Duration timeout = group.config().connectTimeout().plus(group.config().checkTimeout());
        try (Connection session = group.openProbeSession(to, timeout)) {
            CatchUpResult result = new CatchUp(session, source(from), flavour -> acknowledged.snapshot(flavour, to),
                    REHEARSAL_WAIT).run();
            result.view().ifPresent(v -> learnIdentity(to, v));
            String waited = result.waitedFor().map(g -> GtidRange.summary(g.ranges())).orElse("");
            return result.outcome() + (waited.isEmpty() ? "" : " (" + waited + ")") + " in " + result.took().toMillis()
                    + " ms";
        } catch (SQLException | RuntimeException e) {
            return "cannot open a session: " + e.getMessage();
        }
    }

    /**
     * Whether {@code server} is gone for now: a fresh session to it fails at once, refused, or closed before the
     * server's greeting (nothing listens there, or a proxy in front of it finds nothing behind it). A timeout is not
     * gone: a hung or cut-off server may still ship what it committed. Asked only once the new server has applied all
     * it received and its replication connection is down.
     */
    private boolean gone(int server) {
        try (Connection ignored = group.openProbeSession(server, GONE_CHECK)) {
            return false;
        } catch (SQLException | RuntimeException e) {
            return closedAtOnce(e);
        }
    }

    /** A session attempt that ended by a refusal or a close, not by silence. */
    static boolean closedAtOnce(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof NoRouteToHostException) {
                return false;
            }
            if (t instanceof SocketException || t instanceof EOFException) { // refused, reset, closed
                return true;
            }
        }
        return false;
    }

    /** The replication source that {@code server} is to a replica: its URL name and port, and its identity if known. */
    private ReplicationSource source(int server) {
        ServerAddress address = group.server(server);
        return new ReplicationSource(address.host(), address.port(), identities.get(server));
    }

    private void learnIdentity(int server, ReplicationView view) {
        String id = view.serverIdentity();
        if (id != null && !id.isBlank() && !"0".equals(id)) { // server_id 0: no replication at all
            identities.put(server, id);
        }
    }

    private void reportMissing(ServerAddress old, ServerAddress next, long epoch, CatchUpResult result) {
        GtidSet lacking = result.missingAcknowledged().orElseThrow();
        String count = (result.missingExact() ? "" : "at least ") + lacking.count();
        String ranges = GtidRange.summary(lacking.ranges());
        String message = next + " took over from " + old + " (epoch " + epoch + ") without " + count
                + " commit(s) this application was told succeeded: " + ranges + (result.outcome() == CatchUpResult.Outcome.SOURCE_LOST
                ? "; they cannot arrive before " + old + " returns (source lost: it refuses sessions, and " + next
                        + " applied all it had received from it)"
                : "; they were not there within stickyfail.switchCatchUpTimeout="
                        + group.config().switchCatchUpTimeout().toMillis() + " ms ("
                        + result.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")");
        MissingCommitsReport report = new MissingCommitsReport(old.toString(), next.toString(), epoch, lacking.count(),
                result.missingExact(), ranges, Instant.now(), message);
        LOG.warn("stickyfail[{}] {}; until they arrive the application does not see them there, and its writes may "
                + "conflict with them", group.name(), message);
        synchronized (missing) {
            missing.addFirst(report);
            while (missing.size() > REPORTS_KEPT) {
                missing.removeLast();
            }
        }
        events.missingCommits(new MissingCommitsEvent(group.name(), report));
    }

    /** At start: checks the accounts' rights on the first server that lets them log in (background thread). */
    void checkRights() {
        for (int i = 0; i < group.serverArray().length && !rights.checked(); i++) {
            rights.checkOnce(i);
        }
    }

    /**
     * A server came up: check the accounts' rights on it if no server let them log in yet; if the group switched away
     * from it, report what it did alone.
     */
    void serverUp(int server) {
        rights.checkOnce(server);
        Pending p = pending.remove(server);
        if (p == null || !group.config().reportAbandonedReturn()) {
            return;
        }
        String oldName = group.server(server).toString();
        String newName = group.server(p.newServer).toString();
        Duration timeout = Duration.ofSeconds(2);
        try (Connection session = group.openProbeSession(server, timeout)) {
            ErrantTransactions errant = ErrantTransactions.check(session, oldName, newName, p.view, timeout);
            if (errant.isEmpty()) {
                LOG.info("stickyfail[{}] {} is back: {}", group.name(), oldName, errant.describe());
                return;
            }
            ErrantReport report = new ErrantReport(oldName, newName, p.epoch, errant.count(), errant.exact(),
                    GtidRange.summary(errant.ranges()), Instant.now(), errant.describe());
            LOG.warn("stickyfail[{}] {}; check them before replication applies them on {} (or stops on them)",
                    group.name(), errant.describe(), newName);
            synchronized (reports) {
                reports.addFirst(report);
                while (reports.size() > REPORTS_KEPT) {
                    reports.removeLast();
                }
            }
            events.errant(new ErrantTransactionsEvent(group.name(), report));
        } catch (SQLException | RuntimeException e) {
            LOG.warn("stickyfail[{}] {} is back, but what it did alone cannot be computed: {}", group.name(), oldName,
                    e.getMessage());
        }
    }

    /** The latest reports first (any thread). */
    List<ErrantReport> reports() {
        synchronized (reports) {
            return List.copyOf(reports);
        }
    }

    /** Switches that made a server active without acknowledged commits, latest first (any thread). */
    List<MissingCommitsReport> missingCommits() {
        synchronized (missing) {
            return List.copyOf(missing);
        }
    }

    /** The accounts' rights for the features turned on; empty until checked (any thread). */
    List<AccountCheck> accountChecks() {
        return rights.results();
    }

    /** For tests and benchmarks: what is recorded as acknowledged on the servers other than {@code except}. */
    AcknowledgedCommits.Snapshot acknowledgedSnapshot(ServerFlavour flavour, int except) {
        return acknowledged.snapshot(flavour, except);
    }
}
