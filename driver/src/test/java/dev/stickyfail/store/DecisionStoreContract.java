package dev.stickyfail.store;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link DecisionStore} promises, whatever keeps the decision: each store implementation's test extends
 * this (or {@link SharedDecisionStoreContract} for a store shared by several instances) and says how to open a store.
 * Each test uses a group of its own.
 */
public abstract class DecisionStoreContract {

    protected static final List<String> SERVERS = List.of("db0:3306", "db1:3306");

    /** A store for instance {@code instanceId} of this test's group (a new group for every test). */
    protected abstract DecisionStore open(String instanceId) throws SQLException;

    /**
     * {@code store.start(local)}, asked again while it answers "not yet" ({@link SQLTransientConnectionException}: a
     * shared store running its census). Real time by default; a store on a simulated clock moves its clock instead.
     */
    protected Decision started(DecisionStore store, Decision local) throws SQLException {
        AtomicReference<Decision> result = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreException(
                SQLTransientConnectionException.class).until(() -> {
                    result.set(store.start(local));
                    return true;
                });
        return result.get();
    }

    protected static Decision decision(long epoch, String by) {
        return new Decision(SERVERS.get((int) (epoch % 2)), epoch, by, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(epoch),
                "test");
    }

    /** Whether {@code winner} is {@code proposed} as stored (a store may stamp its history on what it stores). */
    protected static boolean isOwn(Decision winner, Decision proposed) {
        return winner != null && winner.inHistory(proposed.history()).equals(proposed);
    }

    @Test
    void aNewGroupHasNoDecision() throws Exception {
        DecisionStore a = open("a");
        assertThat(started(a, null)).isNull();
        assertThat(a.read()).isNull();
    }

    @Test
    void aProposalFromNothingWinsAndIsWhatEveryReadReturns() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        Decision one = decision(1, "a");
        Decision won = a.propose(0, one);
        assertThat(isOwn(won, one)).as("%s is the proposal %s", won, one).isTrue();
        assertThat(a.read()).isEqualTo(won);
    }

    @Test
    void retryingAProposalThatWonReturnsItAgain() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        Decision one = decision(1, "a");
        Decision won = a.propose(0, one);
        assertThat(a.propose(0, one)).isEqualTo(won);
        assertThat(a.read()).isEqualTo(won);
    }

    @Test
    void aStaleProposerGetsTheWinnerAndChangesNothing() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        Decision one = a.propose(0, decision(1, "a"));
        Decision two = a.propose(1, Decision.next(one, SERVERS.get(0), "a", "test"));
        assertThat(two.epoch()).isEqualTo(2);
        Decision stale = decision(2, "b");
        assertThat(a.propose(1, stale)).as("expects epoch 1, which is gone").isEqualTo(two);
        assertThat(a.propose(0, decision(1, "b"))).isEqualTo(two);
        assertThat(a.read()).isEqualTo(two);
    }

    @Test
    void startingFromAStateFileResumesItsServerAndNeverGoesBack() throws Exception {
        DecisionStore a = open("a");
        Decision seven = decision(7, "earlier");
        Decision resumed = started(a, seven);
        assertThat(resumed.server()).isEqualTo(seven.server());
        assertThat(resumed.epoch()).isGreaterThanOrEqualTo(7);
        assertThat(a.read()).isEqualTo(resumed);
    }

    @Test
    void aSingleInstanceNeedsNobodyElsesAcknowledgement() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        Decision won = a.propose(0, decision(1, "a"));
        a.acknowledge(won.epoch());
        Acknowledgements acks = a.acknowledgements(won.epoch());
        assertThat(acks.complete()).as("%s", acks).isTrue();
        assertThat(acks.longestLease()).isEqualTo(a.lease());
    }
}
