package dev.stickyfail.internal.runtime;

import dev.stickyfail.NoUsableServerException;
import dev.stickyfail.UntrustedDecisionException;
import dev.stickyfail.config.Durations;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.internal.decider.Route;
import dev.stickyfail.internal.health.ServerMonitor;
import dev.stickyfail.internal.replication.AcknowledgedCommits;
import dev.stickyfail.probe.FailureKind;
import dev.stickyfail.store.Decision;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where application threads get connections: waits (up to {@code stickyfail.failoverTimeout}) for the route to be
 * usable, opens a physical connection to the routed server, and hands it out only if no switch began while it was
 * opening. The application's threads run it; it changes nothing but the registry, and reads the route and the lease.
 */
final class ConnectionGate {

    private final GroupRuntime group;
    private final StickyFailConfig config;
    private final String name;
    private final ServerAddress[] servers;

    ConnectionGate(GroupRuntime group) {
        this.group = group;
        this.config = group.config();
        this.name = group.name();
        this.servers = group.serverArray();
    }

    /**
     * A physical connection to the active server, registered. Waits up to {@code stickyfail.failoverTimeout} while no
     * server is usable, and while a failed attempt to reach the active server is being confirmed.
     */
    TrackedConnection connect(GroupRuntime.ConnectionFactory factory) throws SQLException {
        long deadline = System.nanoTime() + config.failoverTimeout().toNanos();
        SQLException lastError = null;
        while (true) {
            if (lastError != null && System.nanoTime() - deadline >= 0) {
                throw noUsableServer(lastError);
            }
            Route r = awaitUsable(deadline, lastError);
            if (group.lease().expired()) { // the decider fences and republishes; until then, wait as for any unusable route
                awaitChange(r, Math.min(deadline, System.nanoTime() + config.checkFastInterval().toNanos()));
                if (System.nanoTime() - deadline >= 0) {
                    throw coordinationLost();
                }
                continue;
            }
            Connection physical;
            int tracking = 0;
            AcknowledgedCommits.Server commits = group.acknowledgedCommits(r.index());
            FencingSocketFactory.Opening opening = group.registry().opening(r.index(), group.lease());
            FencingSocketFactory.CONNECTING.set(opening);
            try {
                physical = factory.open(servers[r.index()], config.connectTimeout().toMillis());
                if (config.replaceIdleConnections() || commits != null) {
                    tracking = SessionTracking.enable(physical, config.connectTimeout().toMillis(),
                            config.replaceIdleConnections(), commits != null);
                }
            } catch (SQLException e) {
                FailureKind kind = FailureKind.of(e);
                if (group.lease().expired() || opening.wasCut()) {
                    // our own socket refused to write, or a fence cut the attempt: says nothing about the server
                    awaitChange(r, Math.min(deadline, System.nanoTime() + config.checkFastInterval().toNanos()));
                    lastError = e;
                    continue;
                }
                group.onConnectionError(r.index(), e, kind, true);
                if (kind == FailureKind.SERVER) {
                    throw e;
                }
                lastError = e;
                awaitChange(r, Math.min(deadline, System.nanoTime() + config.checkFastInterval().toNanos()));
                continue;
            } finally {
                FencingSocketFactory.CONNECTING.remove();
                group.registry().opened(opening);
            }
            boolean autoCommit;
            try {
                autoCommit = physical.getAutoCommit(); // local in Connector/J: the session's state
            } catch (SQLException e) {
                physical.abort(Runnable::run);
                throw e;
            }
            group.rememberAccount(factory);
            TrackedConnection t = group.registry().register(group, r.index(), physical, autoCommit);
            if (tracking != 0) {
                t.listen((tracking & SessionTracking.STATE) != 0 && config.replaceIdleConnections() ? factory : null,
                        (tracking & SessionTracking.GTIDS) != 0 ? commits : null);
            }
            Route now = group.router().current();
            if (now.usable() && now.index() == r.index() && now.epoch() == r.epoch() && !t.isEvicted() && !group.isStopped()
                    && !group.lease().expired()) {
                return t;
            }
            // A switch (or stop) began while this connection was being opened; it may have swept the registry before
            // this connection was in it, so this connection must not be handed out.
            group.registry().remove(t);
            t.mark(new Eviction(name, servers[r.index()], "a switch began while it was opening", null, now.epoch()));
            t.cutSocket();
            t.abortPhysical();
        }
    }

    private Route awaitUsable(long deadline, SQLException lastError) throws SQLException {
        Route r;
        try {
            r = group.router().awaitUsable(deadline, group::isStopped);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoUsableServerException("stickyfail[" + name + "]: interrupted while waiting for a usable server", e);
        }
        if (r != null) {
            return r;
        }
        if (group.isStopped()) {
            throw new NoUsableServerException("stickyfail[" + name + "]: the group was stopped", null);
        }
        if (group.lease().expired()) {
            throw coordinationLost();
        }
        String refused = group.refusedWhy();
        if (refused != null) {
            throw new UntrustedDecisionException("stickyfail[" + name + "]: no server chosen: " + refused
                    + ". Switch to the right server (JMX or admin switchTo), or delete the file to start fresh");
        }
        throw noUsableServer(lastError);
    }

    /** {@code 08001}: the shared decision cannot be confirmed; names the store and how long. */
    private SQLException coordinationLost() {
        String err = group.lastStoreError();
        return new NoUsableServerException("stickyfail[" + name + "]: " + group.leaseLostWhy()
                + "; this instance routes nothing until it can" + (err == null ? "" : "; last error: " + err), null);
    }

    private void awaitChange(Route seen, long until) throws SQLException {
        try {
            group.router().awaitChange(seen, until, group::isStopped);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoUsableServerException("stickyfail[" + name + "]: interrupted while waiting for a usable server", e);
        }
    }

    private SQLException noUsableServer(SQLException lastError) {
        StringBuilder sb = new StringBuilder("stickyfail[").append(name).append("]: no usable server within stickyfail.failoverTimeout=")
                .append(Durations.format(config.failoverTimeout())).append(": ");
        for (int i = 0; i < servers.length; i++) {
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(group.describeServer(i));
        }
        Decision d = group.currentDecision();
        sb.append(d == null ? "; no decision yet" : "; decision: " + d.server() + " at epoch " + d.epoch());
        if (lastError != null) {
            sb.append("; last connection attempt: ").append(ServerMonitor.describe(lastError));
        }
        return new NoUsableServerException(sb.toString(), lastError);
    }
}
