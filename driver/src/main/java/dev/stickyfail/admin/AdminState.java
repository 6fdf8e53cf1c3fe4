package dev.stickyfail.admin;

/** What an operator set for a server (HAProxy's {@code set server state ready|drain|maint}). */
public enum AdminState {
    /** Normal: chosen by health and priority. */
    READY,
    /**
     * Never chosen as a new active server; if it is the active server it stays active (sticky traffic keeps going to
     * it, as with HAProxy's persistence) until it is marked down or switched away from.
     */
    DRAIN,
    /** In maintenance: never chosen; if it is the active server, the group switches away from it at once. */
    MAINT
}
