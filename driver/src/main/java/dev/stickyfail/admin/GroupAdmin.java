package dev.stickyfail.admin;

import dev.stickyfail.event.StickyFailListener;

import java.util.List;
import java.util.Optional;

/**
 * The runtime API of one group (HAProxy's {@code show servers state}, {@code set server state}, {@code show table}).
 * Servers are named {@code host:port} as in the URL. Every switch made here goes through the same path as an
 * automatic one: eviction first, then a new epoch, events, and the state file.
 */
public interface GroupAdmin {

    String name();

    /**
     * The decided server, or empty before the first decision (or while an untrusted state file is refused). The decision
     * stays when its server goes down and no other is eligible: whether it is usable now, {@link #servers()} says.
     */
    Optional<String> activeServer();

    /** The decision's epoch: grows by one at every switch; 0 before the first decision. */
    long epoch();

    /** The decision (active server, epoch, who made it, when, why, whether it is durable), or empty before the first. */
    Optional<DecisionInfo> decision();

    /** How this instance stands with the decision store: lease, reachability. */
    CoordinationInfo coordination();

    /**
     * Whether this instance hands out connections now: a decided server that is up here and not in maintenance, and,
     * with a shared store, a lease it holds. False while it fails closed (and, briefly, while a switch runs).
     */
    boolean routeUsable();

    /**
     * What servers switched away from did alone, found when each was reachable again (latest first, at most 20):
     * transactions the new server had not received at the switch ({@code stickyfail.onAbandonedReturn=report}).
     */
    List<ErrantReport> errantTransactions();

    /**
     * Switches that made a server active without commits the application had been told succeeded (latest first, at
     * most 20): the catch-up ({@code stickyfail.switchCatchUp}) waited for them there, and they did not arrive in time.
     */
    List<MissingCommitsReport> missingCommits();

    /**
     * Whether each feature the configuration turns on can work with the account it uses (the replica probe, the full
     * catch-up, the catch-up of acknowledged commits, the errant-transaction report, the read-only fence), checked
     * once when the group's first server came up; empty until then.
     */
    List<AccountCheck> accountChecks();

    /** Every server in priority order. */
    List<ServerInfo> servers();

    /**
     * Makes {@code server} the active server now.
     *
     * @throws IllegalArgumentException when no server of the group has that name
     * @throws IllegalStateException    when the server is not up or is in drain or maintenance, or when a shared
     *                                  decision store did not take the switch (unreachable, or another instance decided
     *                                  otherwise first): nothing changed, and the message says what is active
     */
    void switchTo(String server);

    /** Puts a server in maintenance (switching away from it if it is active) or takes it out (back to ready). */
    void setMaintenance(String server, boolean maintenance);

    /** Sets a server to drain: never chosen as a new active server; if active, it stays until marked down. */
    void drain(String server);

    /** Returns a server in drain or maintenance to ready. */
    void ready(String server);

    void addListener(StickyFailListener listener);

    void removeListener(StickyFailListener listener);
}
