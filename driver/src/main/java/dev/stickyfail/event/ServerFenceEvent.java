package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;

/**
 * A server the group left was fenced at the server: the sessions of the application's accounts there were killed (and
 * it was made read-only with {@code stickyfail.fenceReadOnly}), or it could not be (it did not answer, or some sessions
 * outlived the wait). A fence that did not complete is also logged as a WARN.
 *
 * @param server    the server fenced
 * @param why       the switch (or the return of the server) that asked for it
 * @param answered  a fresh session to it could be opened; when not, it is fenced by the leases and by the other
 *                  instances that reach it
 * @param killed    sessions killed there
 * @param remaining sessions still there when the fence stopped waiting ({@code stickyfail.serverFenceTimeout})
 * @param readOnly  it was made read-only
 * @param detail    what happened, in words
 */
public record ServerFenceEvent(String group, ServerAddress server, String why, boolean answered, int killed,
                               int remaining, boolean readOnly, String detail) {

    /** Whether nothing of the application's can commit there any more. */
    public boolean complete() {
        return answered && (remaining == 0 || readOnly);
    }
}
