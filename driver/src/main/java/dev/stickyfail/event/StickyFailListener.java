package dev.stickyfail.event;

/**
 * Receives what a group does. Metrics, pools and frameworks subscribe here; the core knows none of them.
 *
 * <p>Called after the change it reports and outside every lock of stickyfail: on the group's event thread
 * ({@code stickyfail-events[<group>]}), in the order the decider made them, for switches, server and admin state
 * changes, fences, leases, catch-ups and persistence (a slow listener delays other listeners, never a switch); on a
 * probe thread for probe results; on an application thread for connection errors. Keep it quick. A listener may call
 * back into stickyfail (an admin call such as {@code switchTo}, {@code StickyFail.groups()}): such a call is queued
 * behind the change being reported and never nests inside it. Anything thrown by a listener is logged and otherwise
 * ignored.
 */
public interface StickyFailListener {

    /** Every finished probe of every server. */
    default void onProbe(ProbeEvent event) {
    }

    /** A server's health state changed (e.g. UP to GOING_DOWN, GOING_DOWN to DOWN). */
    default void onServerStateChange(ServerStateEvent event) {
    }

    /** An operator set a server to ready, drain or maintenance. */
    default void onAdminStateChange(AdminStateEvent event) {
    }

    /**
     * A switch has begun and no connection is handed out until it completes; every connection to the server being
     * left is already marked unusable (a pool that borrows one gets an error or a replacement, never the old server).
     * A pool retires its idle connections here. The switch does not wait for this call.
     */
    default void onSwitchStarting(SwitchStartingEvent event) {
    }

    /** The active server changed (including the group's first decision); the new epoch is in the event. */
    default void onSwitch(SwitchEvent event) {
    }

    /** A server the group left was fenced at the server (its application sessions killed), or could not be. */
    default void onServerFence(ServerFenceEvent event) {
    }

    /** Connections to a server were aborted. */
    default void onEviction(EvictionEvent event) {
    }

    /** A switch waited for the new server to apply what it had received from the old one (or could not). */
    default void onCatchUp(CatchUpEvent event) {
    }

    /**
     * A switch made a server active that lacked commits the application was told succeeded, and they did not arrive
     * within the catch-up's timeout.
     */
    default void onMissingCommits(MissingCommitsEvent event) {
    }

    /** A server switched away from is back, with transactions the new server had not received at the switch. */
    default void onErrantTransactions(ErrantTransactionsEvent event) {
    }

    /** With a shared store: this instance lost its lease on the decision (fails closed), or holds it again. */
    default void onLease(LeaseEvent event) {
    }

    /** The decision became durable again, or stopped being durable (a state file that cannot be written). */
    default void onDecisionPersistence(DecisionPersistenceEvent event) {
    }

    /**
     * An application connection, or an attempt to open one, failed in a way that says something about its server:
     * a communication error (counted as a failed probe when {@code stickyfail.observe} is on) or an error the server
     * answered with, such as too many connections or a failed login (reported, never a reason to fail over).
     */
    default void onConnectionError(ConnectionErrorEvent event) {
    }
}
