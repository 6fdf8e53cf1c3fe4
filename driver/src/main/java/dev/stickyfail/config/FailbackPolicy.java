package dev.stickyfail.config;

/** What happens when a server with a higher priority than the active one is up again. */
public enum FailbackPolicy {
    /** Stay on the active server until it is marked down (sticky; the default). */
    NEVER("never"),
    /**
     * Return to the highest-priority server once it has passed {@code rise} probes, aborting every connection to the
     * server being left (HAProxy's {@code on-marked-up shutdown-backup-sessions}).
     */
    PRIMARY_UP("primary-up");

    private final String value;

    FailbackPolicy(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }
}
