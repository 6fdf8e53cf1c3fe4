package dev.stickyfail.internal.decider;

/**
 * What fencing a server at the server did: the application's sessions there killed (and the server made read-only
 * when {@code stickyfail.fenceReadOnly} asks for it), or why it could not.
 *
 * @param answered  a fresh session to the server could be opened
 * @param killed    sessions of the application's accounts killed there
 * @param remaining sessions that were still there when the fence stopped waiting for them to go
 * @param readOnly  the server was made read-only (only with {@code fenceReadOnly})
 * @param detail    what happened, in words, for the log line and the event
 */
public record ServerFenceOutcome(boolean answered, int killed, int remaining, boolean readOnly, String detail) {

    /** Whether nothing of the application's can commit there any more (every session gone, or the server read-only). */
    public boolean complete() {
        return answered && (remaining == 0 || readOnly);
    }

    public static ServerFenceOutcome notAnswering(String why) {
        return new ServerFenceOutcome(false, 0, 0, false, why);
    }
}
