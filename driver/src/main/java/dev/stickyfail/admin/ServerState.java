package dev.stickyfail.admin;

/** A server's health as the rise/fall state machine sees it (HAProxy's UP / DOWN, with the transitions visible). */
public enum ServerState {
    /** No probe has answered yet: not chosen until one passes. */
    UNKNOWN(false),
    /** Up: probes pass. */
    UP(true),
    /** Still up, but the last probes failed; {@code fall} failures in a row mark it down. */
    GOING_DOWN(true),
    /** Down: never chosen. */
    DOWN(false),
    /** Still down, but the last probes passed; {@code rise} passes in a row mark it up. */
    GOING_UP(false);

    private final boolean up;

    ServerState(boolean up) {
        this.up = up;
    }

    /** Whether the server counts as up (may be, or stay, the active server). */
    public boolean isUp() {
        return up;
    }
}
