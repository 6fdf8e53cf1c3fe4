package dev.stickyfail.event;

/**
 * Receives what a group does. Metrics, pools and frameworks subscribe here; the core knows none of them.
 *
 * <p>Called synchronously on the thread that made the change (a probe thread, the thread that switched, an
 * application thread for connection errors), so keep it quick and never block. An exception thrown by a listener is
 * logged and otherwise ignored.
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

    /** The active server changed (including the group's first decision); the new epoch is in the event. */
    default void onSwitch(SwitchEvent event) {
    }

    /** Connections to a server were aborted. */
    default void onEviction(EvictionEvent event) {
    }

    /**
     * An application connection, or an attempt to open one, failed in a way that says something about its server:
     * a communication error (counted as a failed probe when {@code stickyfail.observe} is on) or an error the server
     * answered with, such as too many connections or a failed login (reported, never a reason to fail over).
     */
    default void onConnectionError(ConnectionErrorEvent event) {
    }
}
