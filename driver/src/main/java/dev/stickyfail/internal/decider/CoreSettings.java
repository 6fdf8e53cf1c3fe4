package dev.stickyfail.internal.decider;

import dev.stickyfail.config.FailbackPolicy;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the {@link SwitchCore} needs of the group's configuration, and nothing else.
 *
 * @param servers           the servers' {@code host:port} names, in priority order
 * @param leaseNanos        {@code stickyfail.lease} for a shared store; 0 for a store this instance alone writes
 * @param fenceOnMarkedDown {@code onMarkedDown=shutdown-sessions}: fence a server's connections when it is marked down
 * @param catchUp           the switch waits for the new server to apply its backlog (or records its view for the
 *                          errant-transaction report)
 * @param serverFence       kill the application's sessions on a server the group leaves, when it answers
 * @param fenceReadOnly     also make the server left read-only (a privileged fence account), and undo it on return
 * @param confirmEveryNanos how often a shared decision is read to renew the lease
 * @param holdDownNanos     how long a decision another instance made is kept before this instance, seeing its server
 *                          unusable, proposes to leave it (against ping-pong between instances that see different
 *                          servers down)
 * @param drainNanos        {@code stickyfail.drainTimeout}: how long a planned switch (an operator's, a failback) lets
 *                          transactions in flight on the server it leaves finish; 0 for none
 * @param store             the store as messages name it
 * @param wallClock         {@code decidedAt} of new decisions (display only)
 */
public record CoreSettings(String group, List<String> servers, String instanceId, long leaseNanos,
                           FailbackPolicy failback, boolean fenceOnMarkedDown, boolean catchUp, boolean serverFence,
                           boolean fenceReadOnly, long confirmEveryNanos, long holdDownNanos, long drainNanos,
                           Supplier<String> store, Supplier<Instant> wallClock) {

    public CoreSettings {
        servers = List.copyOf(servers);
    }

    boolean leased() {
        return leaseNanos > 0;
    }

    /**
     * What a switch waits beyond a silent instance's lease: its lease is counted from when its last read was sent, on
     * its own clock, and clocks run at slightly different rates. The lease itself is enforced at its deadline by the
     * instance (a timer cuts every leased socket), not by its decider, so no store timeout needs covering here.
     */
    long marginNanos(long lease) {
        return Math.max(lease / 10, TimeUnit.MILLISECONDS.toNanos(500));
    }
}
