package dev.stickyfail.config;

/** What happens to a server's connections when it is marked down (HAProxy's {@code on-marked-down}). */
public enum OnMarkedDown {
    /** Abort every connection to the server (HAProxy's {@code on-marked-down shutdown-sessions}; the default). */
    SHUTDOWN_SESSIONS("shutdown-sessions"),
    /**
     * Leave them alone unless a switch follows; a switch always aborts every connection to every server that is not
     * the active one.
     */
    KEEP("keep");

    private final String value;

    OnMarkedDown(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }
}
