package dev.stickyfail.store;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a store shared by several application instances promises on top of {@link DecisionStoreContract}: one winner
 * per epoch, histories, acknowledgements from every instance, leases that differ, the census of a new group.
 */
public abstract class SharedDecisionStoreContract extends DecisionStoreContract {

    /** A store for instance {@code instanceId} of this test's group, with {@code stickyfail.lease} = {@code lease}. */
    protected abstract DecisionStore open(String instanceId, Duration lease) throws SQLException;

    /** The lease of {@link #open(String)}. */
    protected Duration lease() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected DecisionStore open(String instanceId) throws SQLException {
        return open(instanceId, lease());
    }

    @Test
    void concurrentProposersMakeOneWinnerPerEpoch() throws Exception {
        DecisionStore[] s = {open("a"), open("b"), open("c")};
        for (DecisionStore x : s) {
            assertThat(started(x, null)).isNull();
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Decision last = null;
            for (long epoch = 1; epoch <= 10; epoch++) {
                long e = epoch;
                String h = last == null ? "" : last.history();
                CyclicBarrier go = new CyclicBarrier(3);
                List<Future<Decision>> results = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    DecisionStore x = s[i];
                    String by = "abc".substring(i, i + 1);
                    results.add(pool.submit(() -> {
                        go.await();
                        return x.propose(e - 1, decision(e, by).inHistory(h));
                    }));
                }
                Set<Decision> winners = new HashSet<>();
                for (Future<Decision> f : results) {
                    Decision d = f.get(30, TimeUnit.SECONDS);
                    assertThat(d.epoch()).isEqualTo(e);
                    winners.add(d);
                }
                assertThat(winners).as("every proposer of epoch %d sees the same winner", e).hasSize(1);
                last = winners.iterator().next();
                for (DecisionStore x : s) {
                    assertThat(x.read()).isEqualTo(last);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aProposalIsStampedWithTheSharedHistoryAndItsProposerRecognisesIt() throws Exception {
        DecisionStore a = open("a");
        DecisionStore b = open("b");
        started(a, null);
        started(b, null);
        Decision first = a.propose(0, decision(1, "a"));
        assertThat(first.history()).as("a history starts when the shared value is created").isNotEmpty();
        Decision next = Decision.next(first, SERVERS.get(0), "b", "test");
        assertThat(next.history()).isEqualTo(first.history());
        Decision won = b.propose(1, next);
        assertThat(won).isEqualTo(next);
        Decision unstamped = new Decision(SERVERS.get(1), 3, "b", Instant.now(), "no history");
        Decision won3 = b.propose(2, unstamped);
        assertThat(won3.history()).isEqualTo(first.history());
        assertThat(isOwn(won3, unstamped)).isTrue();
        assertThat(a.read()).isEqualTo(won3);
    }

    @Test
    void theSameEpochWithOtherContentIsAnotherInstancesWinNotOurs() throws Exception {
        DecisionStore a = open("a");
        DecisionStore b = open("b");
        started(a, null);
        started(b, null);
        Decision first = a.propose(0, decision(1, "a"));
        Decision mine = a.propose(1, new Decision(SERVERS.get(0), 2, "a", Instant.now(), "a's", first.history()));
        Decision theirs = new Decision(SERVERS.get(1), 2, "b", Instant.now(), "b's", first.history());
        Decision answer = b.propose(1, theirs);
        assertThat(answer).isEqualTo(mine);
        assertThat(isOwn(answer, theirs)).isFalse();
        assertThat(b.read()).isEqualTo(mine);
    }

    @Test
    void aProposalFromAnotherHistoryLosesEvenAtTheExpectedEpoch() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        Decision first = a.propose(0, decision(1, "a"));
        Decision foreign = decision(2, "zombie").inHistory("1.another-history");
        assertThat(a.propose(1, foreign)).isEqualTo(first);
        assertThat(a.read()).isEqualTo(first);
    }

    @Test
    void theCensusOfANewGroupSeedsTheNewestOfferAtAnEpochAboveEveryOffer() throws Exception {
        DecisionStore a = open("a");
        DecisionStore b = open("b");
        Decision five = decision(5, "a"); // db1
        Decision eight = decision(8, "b"); // db0
        assertThatThrownBy(() -> a.start(five)).as("a census waits for offers").isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("offers");
        assertThatThrownBy(() -> b.start(eight)).isInstanceOf(SQLTransientConnectionException.class);
        Decision seeded = started(a, five);
        assertThat(seeded.epoch()).as("above every offer: every instance applies it as a switch").isEqualTo(9);
        assertThat(seeded.server()).isEqualTo(eight.server());
        assertThat(seeded.history()).isNotEmpty().isNotEqualTo(eight.history());
        assertThat(started(b, eight)).isEqualTo(seeded);
    }

    @Test
    void aStateFileFromAnotherHistoryIsNotTrustedForItsEpoch() throws Exception {
        DecisionStore a = open("a");
        Decision live = started(a, decision(3, "a"));
        DecisionStore zombie = open("zombie");
        Decision old = decision(40, "zombie").inHistory("1.a-history-before-a-wipe"); // a higher epoch, another server
        assertThat(old.server()).isNotEqualTo(live.server());
        assertThat(started(zombie, old)).isEqualTo(live);
        assertThat(a.read()).isEqualTo(live);
    }

    @Test
    void aLowerStateFileOfTheSameHistoryDoesNotWin() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        Decision first = a.propose(0, decision(1, "a"));
        Decision two = a.propose(1, Decision.next(first, SERVERS.get(0), "a", "test"));
        DecisionStore b = open("b");
        assertThat(started(b, first)).isEqualTo(two);
    }

    @Test
    void aSwitchIsAcknowledgedOnlyOnceEveryInstanceThatStartedAcknowledged() throws Exception {
        DecisionStore a = open("a");
        DecisionStore b = open("b");
        DecisionStore c = open("c");
        started(a, null);
        started(b, null);
        started(c, null);
        Decision one = a.propose(0, decision(1, "a"));
        b.read();
        c.read();
        a.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).isFalse();
        assertThat(a.acknowledgements(1).waitingFor()).contains("b", "c");
        b.acknowledge(1);
        assertThat(a.acknowledgements(1).waitingFor()).as("c has not acknowledged").containsExactly("c");
        c.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).isTrue();
        assertThat(b.acknowledgements(1).complete()).isTrue();
        Decision two = a.propose(1, Decision.next(one, SERVERS.get(0), "a", "test"));
        a.acknowledge(two.epoch());
        assertThat(a.acknowledgements(2).complete()).as("an acknowledgement of epoch 1 is not one of epoch 2").isFalse();
    }

    @Test
    void aClosedInstanceIsNoLongerWaitedFor() throws Exception {
        DecisionStore a = open("a");
        DecisionStore b = open("b");
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, "a"));
        a.acknowledge(one.epoch());
        assertThat(a.acknowledgements(1).complete()).isFalse();
        b.close();
        assertThat(a.acknowledgements(1).complete()).isTrue();
    }

    @Test
    void theLongestLeaseOfTheLiveInstancesIsReported() throws Exception {
        DecisionStore a = open("a", lease());
        DecisionStore b = open("b", lease().multipliedBy(3));
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, "a"));
        assertThat(a.acknowledgements(one.epoch()).longestLease()).isEqualTo(lease().multipliedBy(3));
        assertThat(b.acknowledgements(one.epoch()).longestLease()).isEqualTo(lease().multipliedBy(3));
        b.close();
        assertThat(a.acknowledgements(one.epoch()).longestLease()).isEqualTo(lease());
    }

    @Test
    void aDecisionNamingAServerOutsideTheUrlIsRefusedNotFollowed() throws Exception {
        DecisionStore a = open("a");
        started(a, null);
        DecisionStore other = openWithServers("other", List.of("elsewhere:3306"));
        started(other, null);
        other.propose(0, new Decision("elsewhere:3306", 1, "other", Instant.now(), "misconfigured"));
        assertThatThrownBy(a::read).isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("elsewhere:3306").hasMessageContaining("not one of this group's servers")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
    }

    /** A store of this test's group for an instance whose URL names other servers. */
    protected abstract DecisionStore openWithServers(String instanceId, List<String> servers) throws SQLException;

    @Test
    void theLeaseIsTheConfiguredOne() throws Exception {
        assertThat(open("a", Duration.ofMillis(2500)).lease()).isEqualTo(Duration.ofMillis(2500));
    }
}
