package dev.stickyfail.internal.decider;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;

/**
 * What the {@link SwitchCore} is told: something that happened (a server's health changed, an operator's command, time
 * passed), or the result of a {@link Action.Call} it asked for, carrying the call's {@code id}.
 */
public sealed interface Input {

    /** The group starts: join the store. */
    record Start() implements Input {
    }

    /** Time passed (the core asked to be woken at {@link SwitchCore#nextWakeAt()}). */
    record Tick() implements Input {
    }

    /** The shared store says the decision may have changed: confirm now rather than at the next poll. */
    record Hint() implements Input {
    }

    /** A server's health state changed; {@code atNanos} is when it was seen. */
    record HealthChanged(int server, ServerState from, ServerState to, String cause, long atNanos) implements Input {
    }

    /** An operator's {@code switchTo}; completed by {@link Action.CompleteCommand} with the same {@code command}. */
    record AdminSwitch(long command, int target) implements Input {
    }

    /** An operator sets a server ready, drain or maint; completed like {@link AdminSwitch}. */
    record AdminStateChange(long command, int server, AdminState state) implements Input {
    }

    /** An operator deleted the untrusted state file: the group may start afresh. */
    record StateFileDeleted() implements Input {
    }

    /** Stop deciding: nothing is routed any more and every connection is fenced. */
    record Stop() implements Input {
    }

    /** The result of a call; {@code id} is the call's. */
    sealed interface Result extends Input {
        long id();
    }

    record StoreStarted(long id, Decision decision, Throwable error, long sentAt) implements Result {
    }

    record Proposed(long id, Decision winner, Throwable error, long sentAt) implements Result {
    }

    record ReadDone(long id, Decision decision, Throwable error, long sentAt) implements Result {
    }

    record Acknowledged(long id, Throwable error) implements Result {
    }

    record AcknowledgementsRead(long id, Acknowledgements acknowledgements, Throwable error) implements Result {
    }

    /** The abandoned server's sessions were killed (and it was made read-only when asked), or why not. */
    record ServerFenced(long id, ServerFenceOutcome outcome) implements Result {
    }

    /** The server about to become active takes writes again (read-only cleared), or why not. */
    record ReadOnlyCleared(long id, boolean cleared, String detail) implements Result {
    }

    record CaughtUp(long id) implements Result {
    }

    /** A drain ended; {@code busy} connections were still in a transaction or running a statement at its bound. */
    record Drained(long id, int busy) implements Result {
    }
}
