package dev.stickyfail.hazelcast;

import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;

import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;

/** Starts a store as the group does: asked again while it answers "not yet" (the census of a new group). */
final class Starting {

    private Starting() {
    }

    static Decision started(DecisionStore store, Decision local) {
        AtomicReference<Decision> result = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                .ignoreException(SQLTransientConnectionException.class).until(() -> {
                    result.set(store.start(local));
                    return true;
                });
        return result.get();
    }
}
