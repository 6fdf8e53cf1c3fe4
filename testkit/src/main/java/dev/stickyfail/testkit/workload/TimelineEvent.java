package dev.stickyfail.testkit.workload;

/**
 * Something that happened during a run.
 *
 * @param atNanos  when, relative to the run's start (negative: before the writers started)
 * @param kind     what kind of thing
 * @param text     for a person, servers named by label ({@code db0})
 */
public record TimelineEvent(long atNanos, Kind kind, String text) {

    /** Kinds of events; charts mark {@link #FAULT}, {@link #SWITCH}, {@link #FIRST_WRITE_ON_BACKUP}, {@link #HEALED}. */
    public enum Kind {
        /** The writers started. */
        START,
        /** The fault was injected. */
        FAULT,
        /** The driver reported a switch of the active server (only drivers that have one). */
        SWITCH,
        /** The first write after the fault committed on a server other than the faulted one. */
        FIRST_WRITE_ON_BACKUP,
        /** The fault was undone: the server is back. */
        HEALED,
        /** The driver reported a server's health change. */
        SERVER_STATE,
        /** The writers stopped. */
        STOP,
        /** Replication caught up (or did not) after the run. */
        REPLICATION,
        /** Anything else worth a line. */
        NOTE
    }

    public double atSeconds() {
        return atNanos / 1e9;
    }
}
