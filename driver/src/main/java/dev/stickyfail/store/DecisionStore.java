package dev.stickyfail.store;

import java.sql.SQLException;
import java.time.Duration;

/**
 * Where a group's decision lives: only in this JVM ({@code stickyfail.store=local}), or shared by every application
 * instance ({@code stickyfail.store=hazelcast}). Found by name through {@link DecisionStoreFactory}.
 *
 * <p>The group calls a store only from its own threads (never from an application thread), one call at a time, and
 * bounds every call with its own deadline; a store should still bound its own waits. A call that throws (an
 * {@link SQLException} or anything unchecked) counts as "the store could not be reached": the group retries with
 * backoff and, for a shared store, stops trusting its decision once the lease runs out.
 *
 * <p>The protocol, as the group drives it:
 * <ol>
 *   <li>{@link #start}, with what this instance's state file holds, until it answers (a shared store that is still
 *       forming, or deciding how to seed an empty value, throws and is asked again);</li>
 *   <li>{@link #propose} when this instance's probes want a switch; the returned decision (the winner) is applied,
 *       whether it is this instance's or another's;</li>
 *   <li>after fencing every server but the decided one (its connections here, and its sessions at the server when it
 *       answers), {@link #acknowledge}; connections to the new server are handed out once {@link #acknowledgements}
 *       is complete, or once the longest lease it reports (plus a margin) has passed since the decision was seen;</li>
 *   <li>{@link #read} every fraction of the lease: a decision read is trusted until one lease after the read was
 *       <em>sent</em>, and only once every connection to a server the read decision does not name is fenced; a newer
 *       decision is applied first.</li>
 * </ol>
 *
 * <p>What a shared store must guarantee for that to be safe:
 * <ul>
 *   <li>a {@link #read} or {@link #propose} that answers means this instance is in the set {@link #acknowledgements}
 *       counts (registered again first if the set lost it), so no lease holder is ever left out of a barrier;</li>
 *   <li>a set that was lost or recreated is "membership unknown", never "everyone acknowledged";</li>
 *   <li>a value that was lost is never silently answered with an older one: the store seeds it again only at an epoch
 *       above every decision any instance it can hear from has seen, so the seed is a switch every instance applies
 *       with the full sequence;</li>
 *   <li>a decision from another {@link Decision#history() history} than the shared one (a stale state file) is not
 *       trusted for its epoch alone.</li>
 * </ul>
 */
public interface DecisionStore extends AutoCloseable {

    /**
     * Joins the store and returns the decision to start from, or {@code null} when there is none yet. {@code local} is
     * what this instance's state file holds (or {@code null}); a shared store seeds an empty or older shared decision
     * from it by compare-and-set, so epochs never go backwards, and returns the shared decision.
     */
    Decision start(Decision local) throws SQLException;

    /**
     * Compare-and-set by epoch: stores {@code next} if and only if the stored decision's epoch is {@code expectedEpoch}
     * (0: no decision yet). Safe to retry: when {@code next} is already stored, returns it. A shared store stamps its
     * history on what it stores, and refuses a proposal from another history (the winner is returned).
     *
     * @return the decision stored after the call: {@code next} (as stamped: {@code next.inHistory(h)}) when it won, the
     *         winner otherwise; a caller recognises its own proposal by
     *         {@code winner.inHistory(next.history()).equals(next)}
     */
    Decision propose(long expectedEpoch, Decision next) throws SQLException;

    /**
     * The current decision, read linearizably, or {@code null} when there is none yet (for a shared store: none yet in
     * the shared history; a decision that was lost is never answered with {@code null} but with an exception until it
     * is seeded again).
     */
    Decision read() throws SQLException;

    /**
     * This instance has fenced every server but the one decided at {@code epoch} (of the decision this store last
     * answered with that epoch; a shared store records nothing for an epoch it never answered).
     */
    void acknowledge(long epoch) throws SQLException;

    /**
     * Whether every other live instance has acknowledged {@code epoch}, and the longest lease among them;
     * {@link Acknowledgements#all} for a store with one instance.
     */
    Acknowledgements acknowledgements(long epoch) throws SQLException;

    /**
     * How long a decision confirmed by {@link #read} may be trusted, counted from when the read was sent.
     * {@link Duration#ZERO} for a store this instance alone writes (the local store): no lease, no confirmation.
     */
    Duration lease();

    /** Registers a hint, called on any thread when the decision may have changed; optional (the group polls anyway). */
    default void onChange(Runnable hint) {
    }

    /** A short description for messages and logs, e.g. {@code hazelcast (embedded member 127.0.0.1:5701, 3 CP members)}. */
    String describe();

    /** Leaves: removes this instance from the instances the others wait for (a shared store), and releases the store. */
    @Override
    void close();

    /**
     * Releases the store but stays among the instances the others wait for: this instance stopped while something it
     * sent may still be running on a server (a connection was cut, aborted or broken with a statement running), so a
     * switch must treat it as a silent instance (wait out its lease, then fence again) rather than as one that left.
     * Its entry expires as a crashed instance's does. By default {@link #close()}: a store without such a table.
     */
    default void closeWithoutLeaving() {
        close();
    }
}
