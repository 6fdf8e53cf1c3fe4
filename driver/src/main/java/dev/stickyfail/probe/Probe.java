package dev.stickyfail.probe;

/**
 * A health check of one server. One instance per server; {@link #check()} is called from that server's probe thread
 * only, never concurrently with itself, so a probe may keep state (such as an open session) between calls.
 *
 * <p>Errors thrown by {@link #check()} are classified by {@link FailureKind}: a refused connection marks the server
 * down at once, a communication error or timeout counts as a failure, an error the server answered with counts as
 * neither.
 */
public interface Probe extends AutoCloseable {

    ProbeResult check() throws Exception;

    /**
     * Called from another thread when {@link #check()} has overrun its timeout: release whatever blocks it (abort its
     * session, close its socket) so the probe thread returns. The overrun probe has already been counted as failed.
     */
    default void abort() {
    }

    /** Releases what the probe holds; called once when the group stops. */
    @Override
    default void close() {
    }
}
