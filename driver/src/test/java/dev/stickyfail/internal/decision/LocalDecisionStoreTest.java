package dev.stickyfail.internal.decision;

import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreContract;

/** The store contract on {@code stickyfail.store=local}. */
class LocalDecisionStoreTest extends DecisionStoreContract {

    @Override
    protected DecisionStore open(String instanceId) {
        return new LocalDecisionStore();
    }
}
