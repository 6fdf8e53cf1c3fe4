package dev.stickyfail.internal.decision;

import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;

import java.time.Duration;

/**
 * {@code stickyfail.store=local}: the decision lives in this JVM only (the group's {@link DecisionJournal} keeps it
 * across restarts). This instance is the only writer, so there is no lease and nobody else to acknowledge.
 */
public final class LocalDecisionStore implements DecisionStore {

    private Decision current;

    @Override
    public synchronized Decision start(Decision local) {
        current = local;
        return current;
    }

    @Override
    public synchronized Decision propose(long expectedEpoch, Decision next) {
        long stored = current == null ? 0 : current.epoch();
        if (stored == expectedEpoch || next.equals(current)) {
            current = next;
        }
        return current;
    }

    @Override
    public synchronized Decision read() {
        return current;
    }

    @Override
    public void acknowledge(long epoch) {
    }

    @Override
    public Acknowledgements acknowledgements(long epoch) {
        return Acknowledgements.all(Duration.ZERO);
    }

    @Override
    public Duration lease() {
        return Duration.ZERO;
    }

    @Override
    public String describe() {
        return "local";
    }

    @Override
    public void close() {
    }
}
