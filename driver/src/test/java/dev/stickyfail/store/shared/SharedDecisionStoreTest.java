package dev.stickyfail.store.shared;

import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.StoreContext;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shared-decision protocol against the faults a shared register has: wipes (a CP reset, every member restarted),
 * instances cut off or silent, leases that differ, foreign text. In-memory registers and a manual clock: a lease passes
 * in no time, and every schedule is exactly the one written.
 */
class SharedDecisionStoreTest {

    static final List<String> SERVERS = List.of("db0:3306", "db1:3306");
    static final Duration L = Duration.ofSeconds(10);
    static final Duration MARGIN = Duration.ofSeconds(1); // a tenth of the 10 s lease

    final ManualClock clock = new ManualClock();
    final InMemoryRegister decisions = new InMemoryRegister("decision");
    final InMemoryRegister instances = new InMemoryRegister("instances");
    final Map<String, Link> links = new HashMap<>();

    /** One instance's path to the registers: cut, it reaches nothing; refusing, its table writes all lose. */
    static final class Link {
        boolean cut;
        boolean tableWritesLose;
    }

    /** A register as one instance reaches it. */
    final class Reach implements Register {
        final Register target;
        final Link link;
        final boolean table;

        Reach(Register target, Link link, boolean table) {
            this.target = target;
            this.link = link;
            this.table = table;
        }

        @Override
        public String get() throws SQLException {
            check();
            return target.get();
        }

        @Override
        public boolean compareAndSet(String expect, String update) throws SQLException {
            check();
            return !(table && link.tableWritesLose) && target.compareAndSet(expect, update);
        }

        @Override
        public String name() {
            return target.name();
        }

        private void check() throws SQLException {
            if (link.cut) {
                throw new SQLTransientConnectionException(target.name() + ": cut off (test)", "08001");
            }
        }
    }

    SharedDecisionStore store(String id) {
        return store(id, L);
    }

    SharedDecisionStore store(String id, Duration lease) {
        Link link = links.computeIfAbsent(id, k -> new Link());
        return new SharedDecisionStore(new StoreContext("g", SERVERS, id, lease, Map.of(), clock),
                new Reach(decisions, link, false), new Reach(instances, link, true), HintPublisher.NONE,
                new java.util.Random(id.hashCode()));
    }

    /** Asks start again, moving the clock, until it answers; returns the answer. */
    Decision started(SharedDecisionStore s, Decision local) throws SQLException {
        for (int i = 0; i < 100_000; i++) {
            try {
                return s.start(local);
            } catch (SQLTransientConnectionException e) {
                clock.advance(Duration.ofMillis(250));
            }
        }
        throw new AssertionError("start never answered");
    }

    /** Moves the clock by {@code d} in steps of 250 ms; every reader reads at each step, failures ignored. */
    List<Decision> elapse(Duration d, SharedDecisionStore... readers) {
        List<Decision> answers = new ArrayList<>();
        for (long t = 0; t < d.toMillis(); t += 250) {
            clock.advance(Duration.ofMillis(250));
            for (SharedDecisionStore r : readers) {
                try {
                    answers.add(r.read());
                } catch (SQLException e) {
                    // counted as not answered
                }
            }
        }
        return answers;
    }

    static Decision decision(long epoch, int server, String by) {
        return new Decision(SERVERS.get(server), epoch, by, Instant.parse("2026-01-01T00:00:00Z"), "test");
    }

    InstanceTable table() {
        return InstanceTable.decode(instances.peek());
    }

    /** A group that has run for a while: three instances, epoch 1 on db0 acknowledged by all, epoch 2 on db1 by two. */
    SharedDecisionStore[] groupAtEpochTwoWithOneLagging() throws SQLException {
        SharedDecisionStore p = store("p");
        SharedDecisionStore q = store("q");
        SharedDecisionStore r = store("r");
        started(p, null);
        started(q, null);
        started(r, null);
        Decision one = p.propose(0, decision(1, 0, "p"));
        for (SharedDecisionStore s : List.of(p, q, r)) {
            assertThat(s.read()).isEqualTo(one);
            s.acknowledge(1);
        }
        links.get("q").cut = true; // q is partitioned (or paused) while p switches
        Decision two = p.propose(1, Decision.next(one, SERVERS.get(1), "p", "db0 down"));
        assertThat(r.read()).isEqualTo(two);
        p.acknowledge(2);
        r.acknowledge(2);
        return new SharedDecisionStore[]{p, q, r};
    }

    // ---------------------------------------------------------------------------------------------- C2: wipes

    @Test
    void aLaggingInstanceNeverConfirmsItsOwnReseedOfAnOlderEpochAfterAWipe() throws Exception {
        SharedDecisionStore[] g = groupAtEpochTwoWithOneLagging();
        SharedDecisionStore p = g[0], q = g[1], r = g[2];
        decisions.wipe(); // a CP reset: both registers are lost
        instances.wipe();
        links.get("q").cut = false;
        // q reads first: it knows only epoch 1 (db0). Before, it put epoch 1 back and "confirmed" it.
        assertThatThrownBy(q::read).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("waiting for the instances' offers").hasMessageContaining("not yet from [p, r]");
        assertThat(decisions.peek()).as("nothing seeded from q's older epoch").isNull();
        assertThatThrownBy(p::read).isInstanceOf(SQLTransientConnectionException.class);
        // r's read makes every instance r knew an offerer: the census is complete without waiting a lease
        Decision seeded = r.read();
        assertThat(seeded.epoch()).as("above every offer").isEqualTo(3);
        assertThat(seeded.server()).as("the newest offer's server").isEqualTo(SERVERS.get(1));
        assertThat(Decision.generation(seeded.history())).as("a new history").isEqualTo(2);
        assertThat(q.read()).isEqualTo(seeded);
        assertThat(p.read()).isEqualTo(seeded);
    }

    @Test
    void aCensusWaitsOneLongestLeaseForAnInstanceThatDoesNotOffer() throws Exception {
        SharedDecisionStore p = store("p");
        SharedDecisionStore q = store("q", Duration.ofSeconds(20)); // the longest lease
        started(p, null);
        started(q, null);
        Decision one = p.propose(0, decision(1, 1, "p"));
        assertThat(q.read()).isEqualTo(one);
        decisions.wipe();
        instances.wipe();
        links.get("q").cut = true;
        assertThatThrownBy(p::read).isInstanceOf(SQLTransientConnectionException.class);
        List<Decision> answers = elapse(Duration.ofSeconds(21), p);
        assertThat(answers).as("not before q's 20 s lease plus the margin").isEmpty();
        answers = elapse(Duration.ofSeconds(2), p);
        assertThat(answers).isNotEmpty();
        assertThat(answers.get(0).epoch()).isEqualTo(2);
        assertThat(answers.get(0).server()).isEqualTo(one.server());
    }

    @Test
    void aTableLostAndCreatedAgainIsMembershipUnknownNeverEveryoneAcknowledged() throws Exception {
        SharedDecisionStore a = store("a");
        SharedDecisionStore b = store("b");
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        b.read();
        a.acknowledge(1);
        b.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).isTrue();
        Decision two = a.propose(1, Decision.next(one, SERVERS.get(1), "a", "test"));
        a.acknowledge(2);
        instances.wipe(); // b, which holds a lease on epoch 1, is in no table now
        Acknowledgements missing = a.acknowledgements(2);
        assertThat(missing.complete()).as("before: an empty table was 'everyone acknowledged'").isFalse();
        assertThat(missing.waitingFor().get(0)).contains("membership unknown");
        assertThat(a.read()).isEqualTo(two); // a registers again: a new incarnation
        a.acknowledge(2);
        Acknowledgements recreated = a.acknowledgements(2);
        assertThat(recreated.complete()).as("a table holding only a is no proof that b is gone").isFalse();
        assertThat(recreated.waitingFor().get(0)).contains("created again");
        // b reads: it is in the table again before its read answers, and the barrier waits for it
        assertThat(b.read()).isEqualTo(two);
        assertThat(table().get("b")).isNotNull();
        elapse(L.plus(MARGIN), a, b);
        assertThat(a.acknowledgements(2).waitingFor()).containsExactly("b");
        b.acknowledge(2);
        assertThat(a.acknowledgements(2).complete()).isTrue();
    }

    @Test
    void afterAWipeTheSeedWaitsForMembershipEvenWhenEveryoneHasAcknowledged() throws Exception {
        SharedDecisionStore a = store("a");
        SharedDecisionStore b = store("b");
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        b.read();
        decisions.wipe();
        instances.wipe();
        assertThatThrownBy(a::read).isInstanceOf(SQLTransientConnectionException.class);
        Decision seed = b.read(); // both offered: seeded at once
        assertThat(seed.epoch()).isEqualTo(2);
        assertThat(seed.server()).isEqualTo(one.server());
        assertThat(a.read()).isEqualTo(seed);
        a.acknowledge(2);
        b.acknowledge(2);
        // an instance that started just before the wipe, or one cut off, may hold a lease and be in no table
        assertThat(a.acknowledgements(2).complete()).isFalse();
        elapse(L.plus(MARGIN), a, b);
        assertThat(a.acknowledgements(2).complete()).isTrue();
    }

    @Test
    void restartingEveryInstanceFromItsStateFileCostsOneLeaseAndTheMargin() throws Exception {
        Decision file = new Decision(SERVERS.get(1), 2, "before", Instant.parse("2026-01-01T00:00:00Z"), "db0 down",
                "1.0123456789abcdef");
        SharedDecisionStore[] s = {store("a"), store("b"), store("c")};
        long t0 = clock.getAsLong();
        for (SharedDecisionStore x : s) {
            assertThatThrownBy(() -> x.start(file)).isInstanceOf(SQLTransientConnectionException.class);
        }
        Decision seeded = started(s[0], file);
        long took = clock.getAsLong() - t0;
        assertThat(Duration.ofNanos(took)).as("no instance knew who else was there: one lease plus the margin")
                .isBetween(L.plus(MARGIN), L.plus(MARGIN).plusMillis(250));
        assertThat(seeded.server()).isEqualTo(file.server());
        assertThat(seeded.epoch()).as("a switch every instance applies").isEqualTo(3);
        assertThat(Decision.generation(seeded.history())).isEqualTo(2);
        for (SharedDecisionStore x : s) {
            assertThat(x.start(file)).isEqualTo(seeded);
            x.acknowledge(3);
        }
        assertThat(s[0].acknowledgements(3).complete()).as("membership is known by then: no second wait").isTrue();
    }

    @Test
    void aZombieStateFileOfferedInACensusLosesToTheNewerHistory() throws Exception {
        SharedDecisionStore a = store("a");
        SharedDecisionStore b = store("b");
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        Decision two = a.propose(1, Decision.next(one, SERVERS.get(1), "a", "test"));
        assertThat(Decision.generation(two.history())).isEqualTo(1);
        assertThat(b.read()).isEqualTo(two);
        decisions.wipe();
        instances.wipe();
        links.get("b").cut = true; // a's census waits for b: the zombie's offer comes in meanwhile
        assertThatThrownBy(a::read).isInstanceOf(SQLTransientConnectionException.class);
        SharedDecisionStore zombie = store("zombie");
        Decision old = decision(40, 0, "long ago"); // written before histories, or in an older one: generation 0
        assertThatThrownBy(() -> zombie.start(old)).isInstanceOf(SQLTransientConnectionException.class);
        Decision seeded = started(zombie, old);
        assertThat(seeded.server()).as("the newest history's decision, not the highest epoch").isEqualTo(two.server());
        assertThat(seeded.epoch()).as("above every offer").isEqualTo(41);
        assertThat(a.read()).isEqualTo(seeded);
    }

    @Test
    void aProposalThatLostStillCountsAsSeenForTheCensus() throws Exception {
        SharedDecisionStore a = store("a");
        SharedDecisionStore b = store("b");
        started(a, null);
        started(b, null);
        Decision theirs = b.propose(0, decision(1, 1, "b"));
        Decision answer = a.propose(0, decision(1, 0, "a"));
        assertThat(answer).isEqualTo(theirs);
        decisions.wipe();
        instances.wipe();
        links.get("b").cut = true;
        assertThatThrownBy(a::read).isInstanceOf(SQLTransientConnectionException.class);
        assertThat(table().get("a").offer()).as("a offers what its lost proposal returned").isEqualTo(theirs.encode());
        Decision seeded = elapse(L.plus(MARGIN).plusSeconds(1), a).get(0);
        assertThat(seeded.server()).isEqualTo(theirs.server());
        assertThat(seeded.epoch()).isEqualTo(2);
    }

    @Test
    void whileTheCensusRunsProposalsAndStartsWaitAndSayForHowLong() throws Exception {
        SharedDecisionStore a = store("a");
        assertThatThrownBy(() -> a.start(null)).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("waiting for the instances' offers for up to another 11000 ms");
        clock.advance(Duration.ofSeconds(4));
        assertThatThrownBy(() -> a.propose(0, decision(1, 0, "a"))).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("another 7000 ms");
        assertThat(decisions.peek()).isNull();
        clock.advance(Duration.ofSeconds(7));
        Decision first = a.propose(0, decision(1, 0, "a"));
        assertThat(first.history()).as("created from nothing: a new history").startsWith("1.");
        assertThat(a.read()).isEqualTo(first);
    }

    @Test
    void preparedRegistersStartWithoutACensus() throws Exception {
        assertThat(SharedDecisionStore.initialize(decisions, instances, "1.test")).isTrue();
        SharedDecisionStore a = store("a");
        assertThat(a.start(null)).isNull();
        Decision first = a.propose(0, decision(1, 0, "a"));
        assertThat(first.history()).isEqualTo("1.test");
        a.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).isTrue();
        assertThat(SharedDecisionStore.initialize(decisions, instances, "1.again")).as("not over a used group").isFalse();
    }

    // ---------------------------------------------------------------------------------------------- membership

    @Test
    void aReadAnswersOnlyOnceThisInstanceIsInTheTable() throws Exception {
        SharedDecisionStore a = store("a");
        SharedDecisionStore b = store("b");
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        // someone removed b (an observer that believed it expired, say)
        instances.overwrite(table().without(List.of("b")).encode());
        assertThat(b.read()).isEqualTo(one);
        assertThat(table().get("b")).as("registered again before answering").isNotNull();
        assertThat(a.acknowledgements(1).waitingFor()).contains("b");
    }

    @Test
    void startingInstancesAreInTheTableBeforeTheyReadTheDecision() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        a.acknowledge(1);
        SharedDecisionStore b = store("b");
        assertThat(b.start(null)).isEqualTo(one);
        Decision two = a.propose(1, Decision.next(one, SERVERS.get(1), "a", "test"));
        a.acknowledge(2);
        assertThat(a.acknowledgements(2).waitingFor()).as("b may route on epoch 1").containsExactly("b");
        assertThat(b.read()).isEqualTo(two);
    }

    @Test
    void anInstanceStartedLaterTrustsASettledTableAndWaitsOutAnUnsettledOne() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null); // the census took one window: a settles the table
        assertThat(table().settled()).isTrue();
        Decision one = a.propose(0, decision(1, 0, "a"));
        SharedDecisionStore b = store("b");
        b.start(null);
        a.acknowledge(1);
        b.acknowledge(1);
        assertThat(b.acknowledgements(1).complete()).as("settled: every lease holder is in it").isTrue();
        instances.overwrite(InstanceTable.decode(instances.peek()).without(List.of()).encode()
                .replace(" settled", " unsettled").replaceFirst("instances/2 \\S+", "instances/2 another"));
        SharedDecisionStore c = store("c");
        c.start(null);
        c.acknowledge(1);
        assertThat(c.acknowledgements(1).complete()).as("an unsettled incarnation c never watched").isFalse();
        elapse(L.plus(MARGIN), a, b, c);
        assertThat(c.acknowledgements(1).complete()).isTrue();
        assertThat(table().settled()).isTrue();
    }

    @Test
    void heartbeatsRideOnReadsAndAnInstanceWithALongerLeaseIsNeverExpiredByAShorterOne() throws Exception {
        SharedDecisionStore shortLease = store("short", Duration.ofSeconds(1));
        SharedDecisionStore longLease = store("long", Duration.ofSeconds(9));
        started(shortLease, null);
        started(longLease, null);
        Decision one = shortLease.propose(0, decision(1, 0, "short"));
        long beat = table().get("long").heartbeat();
        for (int step = 0; step < 120; step++) { // 30 s: long heartbeats every 3 s, short observes every 250 ms
            clock.advance(Duration.ofMillis(250));
            shortLease.read();
            longLease.read();
            assertThat(shortLease.acknowledgements(1).waitingFor()).as("at %d ms", step * 250).contains("long");
        }
        assertThat(table().get("long").heartbeat()).as("moved by its reads, synchronously").isGreaterThan(beat);
        assertThat(shortLease.acknowledgements(1).longestLease()).isEqualTo(Duration.ofSeconds(9));
        // long crashes: expired after 3 of ITS leases of silence, not 3 of the observer's
        long silentSince = clock.getAsLong();
        while (shortLease.acknowledgements(1).waitingFor().contains("long")) {
            clock.advance(Duration.ofMillis(250));
            shortLease.read();
        }
        Duration silent = Duration.ofNanos(clock.getAsLong() - silentSince);
        assertThat(silent).isBetween(Duration.ofSeconds(24), Duration.ofSeconds(28));
        assertThat(table().get("long")).isNull();
        assertThat(shortLease.acknowledgements(1).longestLease()).isEqualTo(Duration.ofSeconds(1));
        assertThat(one.epoch()).isEqualTo(1);
    }

    @Test
    void aReadFailsOnceItsHeartbeatCouldNotBeWrittenForALease() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        links.get("a").tableWritesLose = true; // every table write of a loses its race
        List<Decision> answers = elapse(Duration.ofSeconds(10), a);
        assertThat(answers).as("answers while its last heartbeat is less than a lease old").isNotEmpty()
                .allMatch(one::equals);
        assertThatThrownBy(() -> {
            clock.advance(Duration.ofMillis(250));
            a.read();
        }).isInstanceOf(SQLTransientConnectionException.class).hasMessageContaining("heartbeat");
        links.get("a").tableWritesLose = false;
        assertThat(a.read()).isEqualTo(one);
    }

    @Test
    void foreignTextInTheTableFailsClosedAndIsLeftAlone() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null);
        a.propose(0, decision(1, 0, "a"));
        instances.overwrite("{\"someone\":\"else\"}");
        assertThatThrownBy(a::read).isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("instances").hasMessageContaining("not a stickyfail instance table")
                .hasMessageContaining("refusing to use or overwrite it");
        assertThatThrownBy(() -> a.acknowledgements(1)).isInstanceOf(SQLNonTransientConnectionException.class);
        assertThat(instances.peek()).isEqualTo("{\"someone\":\"else\"}");
    }

    @Test
    void aTableAsAnEarlierVersionWroteItIsReplacedAndMembershipIsUnknown() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        a.acknowledge(1);
        instances.overwrite("stickyfail-instances/1\nb 0 123");
        assertThat(a.acknowledgements(1).complete()).isFalse();
        assertThat(a.read()).isEqualTo(one);
        assertThat(table().get("a")).isNotNull();
        assertThat(a.acknowledgements(1).waitingFor().get(0)).contains("membership unknown");
    }

    @Test
    void foreignTextInTheDecisionRegisterFailsClosed() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null);
        decisions.overwrite("hello");
        assertThatThrownBy(a::read).isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("not an encoded stickyfail decision");
        assertThat(decisions.peek()).isEqualTo("hello");
    }

    @Test
    void aStateFileOfTheSameHistoryAndEpochWithOtherContentLosesToTheSharedDecision() throws Exception {
        SharedDecisionStore a = store("a");
        started(a, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        SharedDecisionStore b = store("b");
        Decision conflicting = new Decision(SERVERS.get(1), 1, "b", Instant.now(), "elsewhere", one.history());
        assertThat(b.start(conflicting)).isEqualTo(one);
    }

    @Test
    void anAcknowledgementIsRecordedOnlyForAnEpochThisStoreAnswered() throws Exception {
        SharedDecisionStore a = store("a");
        SharedDecisionStore b = store("b");
        started(a, null);
        started(b, null);
        Decision one = a.propose(0, decision(1, 0, "a"));
        b.acknowledge(1); // b never read epoch 1
        assertThat(table().get("b").ackedEpoch()).isZero();
        assertThat(b.read()).isEqualTo(one);
        b.acknowledge(1);
        assertThat(table().get("b").acknowledged(1, one.history())).isTrue();
    }
}
