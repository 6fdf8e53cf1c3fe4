package dev.stickyfail.event;

/** Why the active server changed, as a small fixed set (a metric tag); the event's text says the details. */
public enum SwitchReason {
    /** The group's first decision: the first server in priority order that answered up. */
    INITIAL,
    /** The active server was marked down by its probes (or passive detection). */
    MARKED_DOWN,
    /** An operator put the active server in maintenance. */
    MAINTENANCE,
    /** An operator asked for the switch ({@code switchTo}). */
    ADMIN,
    /** {@code stickyfail.failback=primary-up}: a higher-priority server is up again. */
    FAILBACK,
    /** Another application instance decided it (shared store); this instance adopted it. */
    REMOTE;

    /** The tag value: lower case with dashes, e.g. {@code marked-down}. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
