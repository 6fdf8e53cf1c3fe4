package dev.stickyfail.internal.decider;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.store.Decision;

import java.util.List;

/**
 * What the {@link SwitchCore} asks its driver to do. Effects are carried out at once and in order; a {@link Call} is
 * always the last action of a step, and its result comes back as an {@link Input.Result} with the same {@code id}.
 * The threaded runtime performs every action for real; the simulation performs them against simulated servers, store
 * and clock.
 */
public sealed interface Action {

    /** Where application threads get connections from now on. */
    record Publish(Route route) implements Action {
    }

    /** Trust the decision until one lease after {@code sentAt}: the read that confirmed it was sent then. */
    record RenewLease(long sentAt) implements Action {
    }

    /** Stop trusting the decision at once (the store named a server this group does not have). */
    record RevokeLease() implements Action {
    }

    /**
     * Fence these servers here: mark every connection to them unusable, reset their TCP connections and abort them.
     *
     * @param active the decided server's index, or -1 (for the eviction's message)
     * @param epoch  the decision's epoch, for the eviction's message
     */
    record FenceLocal(List<Integer> servers, String why, int active, long epoch) implements Action {
    }

    /** Record the decision in the state file (its outcome is reported by the journal, and retried there). */
    record Journal(Decision decision) implements Action {
    }

    /** An event for the listeners, delivered in order and off the decider's own thread. */
    record Emit(Object event) implements Action {
    }

    /** An operator's command is done: {@code error} is {@code null} on success. */
    record CompleteCommand(long command, RuntimeException error) implements Action {
    }

    /** Tell the server's monitor its admin state (it shows in the admin API). */
    record SetAdminState(int server, AdminState state) implements Action {
    }

    /** A server the group switched away from is up: report what it did alone (runs in the background). */
    record ServerUp(int server) implements Action {
    }

    /** Something the core waits for; the driver answers with an {@link Input.Result} carrying {@code id}. */
    sealed interface Call extends Action {
        long id();
    }

    record StoreStart(long id, Decision local) implements Call {
    }

    record StorePropose(long id, long expectedEpoch, Decision next) implements Call {
    }

    record StoreRead(long id) implements Call {
    }

    record StoreAcknowledge(long id, long epoch) implements Call {
    }

    record StoreAcknowledgements(long id, long epoch) implements Call {
    }

    /**
     * Fence a server at the server: kill the sessions of the application's accounts there (all but the fencing
     * session), wait until they are gone, and with {@code readOnly} make it read-only. {@code downHere}: this instance
     * sees it down or its probes failing, so the attempt gets a short budget (a dead or hung server does not answer; one that flapped back
     * may, and what it still runs must not commit).
     */
    record FenceAtServer(long id, int server, String why, boolean readOnly, boolean downHere) implements Call {
    }

    /**
     * The server is about to become active at {@code epoch}: undo an earlier read-only fence, but only while the shared
     * decision is still that epoch (checked under a lock on the server that the read-only fence takes too), so an
     * instance applying an old decision late can never undo the fence of a newer one.
     */
    record ClearReadOnly(long id, int server, long epoch) implements Call {
    }

    /**
     * A planned switch: let what is in flight on these servers finish, up to {@code timeoutNanos}. Each connection to
     * them is marked as soon as it is idle (no transaction open, no statement running), so its next use is replaced on
     * the new server; nothing is aborted yet (the local fence that follows does that, to what is still busy).
     */
    record Drain(long id, List<Integer> servers, String why, int active, long epoch, long timeoutNanos) implements Call {
    }

    /** Wait (bounded) until {@code to} has applied what it received from {@code from}. */
    record CatchUp(long id, int from, int to, long epoch) implements Call {
    }
}
