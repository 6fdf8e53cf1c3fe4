package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.ErrantReport;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.ErrantTransactionsEvent;
import dev.stickyfail.internal.replication.CatchUp;
import dev.stickyfail.internal.replication.CatchUpResult;
import dev.stickyfail.internal.replication.ErrantTransactions;
import dev.stickyfail.internal.replication.GtidRange;
import dev.stickyfail.internal.replication.ReplicationSource;
import dev.stickyfail.internal.replication.ReplicationView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * What only an in-process driver can do at a switch, because it speaks MySQL to both servers: make the new server
 * apply the backlog it had received from the old one before it takes writes, and, when the old server is reachable
 * again, report the transactions it has that the new one never received. The catch-up runs on the decider thread, the
 * report on a background thread (it must not hold up a switch); every call is bounded.
 */
final class ReplicationGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationGuard.class);
    private static final int REPORTS_KEPT = 20;

    /** The new server's view of an abandoned server, recorded at the switch away from it. */
    private record Pending(int newServer, long epoch, ReplicationView view) {
    }

    private final GroupRuntime group;
    private final EventDispatcher events;
    /** Written by the decider at a switch, read by the background thread that reports a returning server. */
    private final Map<Integer, Pending> pending = new java.util.concurrent.ConcurrentHashMap<>();
    private final Deque<ErrantReport> reports = new ArrayDeque<>();

    ReplicationGuard(GroupRuntime group, EventDispatcher events) {
        this.group = group;
        this.events = events;
    }

    /**
     * Waits until {@code to} has applied what it received from {@code from}, within
     * {@code stickyfail.switchCatchUpTimeout}; switches anyway when it cannot, and says so.
     */
    void catchUp(int from, int to, long epoch) {
        if (!group.config().switchCatchUp() && !group.config().reportAbandonedReturn()) {
            return;
        }
        ServerAddress old = group.server(from);
        ServerAddress next = group.server(to);
        Duration timeout = group.config().switchCatchUp() ? group.config().switchCatchUpTimeout() : Duration.ofSeconds(2);
        CatchUpResult result;
        try (Connection session = group.openProbeSession(to, timeout)) {
            ReplicationSource source = new ReplicationSource(old.host(), old.port());
            if (group.config().switchCatchUp()) {
                result = new CatchUp(session, source, timeout).run();
            } else {
                result = new CatchUpResult(CatchUpResult.Outcome.NOT_APPLICABLE, Duration.ZERO, "stickyfail.switchCatchUp=false",
                        java.util.Optional.of(ReplicationView.read(session, source, timeout)), java.util.Optional.empty());
            }
        } catch (SQLException | RuntimeException e) {
            result = new CatchUpResult(CatchUpResult.Outcome.FAILED, Duration.ZERO, "cannot open a session to " + next
                    + ": " + e.getMessage(), java.util.Optional.empty(), java.util.Optional.empty());
        }
        String waited = result.waitedFor().map(g -> GtidRange.summary(g.ranges())).orElse("");
        switch (result.outcome()) {
            case CAUGHT_UP:
                if (!waited.isEmpty()) {
                    LOG.info("stickyfail[{}] {} applied what it had received from {} before taking writes ({} in {} ms)",
                            group.name(), next, old, waited, result.took().toMillis());
                }
                break;
            case NOT_APPLICABLE:
                LOG.debug("stickyfail[{}] no catch-up for {}: {}", group.name(), next, result.detail());
                break;
            default:
                LOG.warn("stickyfail[{}] switching to {} without it having applied everything it received from {}: {} "
                        + "(stickyfail.switchCatchUpTimeout={} ms); a conflict with the old server's last writes is "
                        + "possible", group.name(), next, old, result.detail(), group.config().switchCatchUpTimeout().toMillis());
        }
        events.catchUp(new CatchUpEvent(group.name(), old, next, epoch, result.outcome().name(), result.took(), waited,
                result.detail()));
        result.view().filter(v -> v.notApplicable().isEmpty())
                .ifPresent(v -> pending.put(from, new Pending(to, epoch, v)));
    }

    /** A server came up: if the group switched away from it, report what it did alone. */
    void serverUp(int server) {
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
}
