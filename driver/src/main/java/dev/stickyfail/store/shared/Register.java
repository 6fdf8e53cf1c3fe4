package dev.stickyfail.store.shared;

import java.sql.SQLException;

/**
 * One linearizable register holding a string: what {@link SharedDecisionStore} needs from a shared system (a Hazelcast
 * CP {@code IAtomicReference}, an etcd key, a simulated register in a test).
 *
 * <p>Both operations take effect atomically at one instant between their call and their answer, in one order every
 * caller agrees on. A register may lose its value (a CP reset, every member restarted): it then reads {@code null},
 * exactly as if it had never been written.
 *
 * <p>An operation that throws may or may not have taken effect, now or later (a compare-and-set retried by the
 * transport can land after the caller gave up): callers read again before they conclude anything. Implementations bound
 * every call; none may block forever.
 */
public interface Register {

    /** The current value, or {@code null} when there is none. */
    String get() throws SQLException;

    /**
     * Sets the value to {@code update} if and only if it is exactly {@code expect} (the same characters; {@code null}:
     * no value).
     *
     * @return whether the value was set
     */
    boolean compareAndSet(String expect, String update) throws SQLException;

    /** For messages and logs, e.g. {@code hazelcast IAtomicReference stickyfail.decision.orders}. */
    String name();
}
