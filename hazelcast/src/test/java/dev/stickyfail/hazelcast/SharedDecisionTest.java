package dev.stickyfail.hazelcast;

import com.hazelcast.cluster.Address;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.internal.CPMemberInfo;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.impl.RaftNode;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Collection;
import java.util.UUID;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Three real members: this JVM's embedded member (started by the stores, from member-0.yaml) and two
 * {@link StandaloneMember} JVMs. The tests share the cluster and run in order; the destructive ones come last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedDecisionTest {

    static final List<String> SERVERS = List.of("db0:3306", "db1:3306");
    static MemberCluster cluster;
    static final List<DecisionStore> stores = new ArrayList<>();
    static long firstCasMillis;
    static final Duration LEASE = Duration.ofSeconds(10);

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new MemberCluster(MemberCluster.newDir("shared"), 3, 3);
        long t0 = System.nanoTime();
        DecisionStore a = store("first", "a", Duration.ofSeconds(8));
        // this JVM's member first, so that it is the cluster master (see makeAChildLeadTheDefaultGroup)
        CompletableFuture<Decision> started = CompletableFuture.supplyAsync(() -> {
            try {
                return a.start(null);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> !Hazelcast.getAllHazelcastInstances().isEmpty());
        cluster.start(1);
        cluster.start(2);
        started.get(120, TimeUnit.SECONDS);
        a.propose(0, decision(1, "a"));
        firstCasMillis = (System.nanoTime() - t0) / 1_000_000;
        Report.line("time from starting three members (two JVMs spawned, one embedded) to the first CAS: " + firstCasMillis + " ms");
    }

    @AfterAll
    static void stopCluster() {
        try {
            for (DecisionStore s : stores) {
                s.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
        assertThat(Hazelcast.getAllHazelcastInstances()).as("the last store closed the embedded member").isEmpty();
    }

    static DecisionStore store(String group, String id, Duration lease) throws SQLException {
        return store(group, id, lease, Map.of(HazelcastSettings.CONFIG, cluster.memberFile(0).toString()));
    }

    static DecisionStore store(String group, String id, Duration lease, Map<String, String> props) throws SQLException {
        Map<String, String> all = new java.util.HashMap<>(props);
        all.putIfAbsent(HazelcastSettings.CLAIM_SERVERS, "false"); // many groups here name the same two servers
        DecisionStore s = new HazelcastDecisionStoreFactory().create(new StoreContext(group, SERVERS, id, lease, all));
        stores.add(s);
        return s;
    }

    static Decision decision(long epoch, String by) {
        return new Decision(SERVERS.get((int) (epoch % 2)), epoch, by, Instant.now(), "test");
    }

    static HazelcastInstance embedded() {
        return Hazelcast.getAllHazelcastInstances().iterator().next();
    }

    @Test
    @Order(1)
    void firstCasHappenedAndHeapPerMember() throws Exception {
        assertThat(firstCasMillis).isPositive();
        assertThat(embedded().getCluster().getMembers()).hasSize(3);
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            for (int child = 1; child <= 2; child++) {
                String pid = Long.toString(cluster.process(child).pid());
                run(jcmd.toString(), pid, "GC.run");
                String info = run(jcmd.toString(), pid, "GC.heap_info");
                long usedKb = 0;
                Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
                while (m.find()) {
                    usedKb += Long.parseLong(m.group(1));
                }
                assertThat(usedKb).isPositive();
                Report.line("heap used by standalone member " + child + " after a full GC (idle, a few groups): "
                        + usedKb / 1024 + " MiB");
            }
        }
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    @Test
    @Order(2)
    void concurrentProposersFromThreeStoresMakeOneWinnerPerEpoch() throws Exception {
        DecisionStore[] s = {store("race", "a", LEASE), store("race", "b", LEASE), store("race", "c", LEASE)};
        for (DecisionStore x : s) {
            assertThat(x.start(null)).isNull();
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (long epoch = 1; epoch <= 20; epoch++) {
                long e = epoch;
                CyclicBarrier go = new CyclicBarrier(3);
                List<Future<Decision>> results = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    DecisionStore x = s[i];
                    String by = "abc".substring(i, i + 1);
                    results.add(pool.submit(() -> {
                        go.await();
                        return x.propose(e - 1, decision(e, by));
                    }));
                }
                Set<String> winners = new HashSet<>();
                for (Future<Decision> f : results) {
                    Decision d = f.get(30, TimeUnit.SECONDS);
                    assertThat(d.epoch()).isEqualTo(e);
                    winners.add(d.encode());
                }
                assertThat(winners).as("every proposer of epoch %d sees the same winner", e).hasSize(1);
                for (DecisionStore x : s) {
                    assertThat(x.read().encode()).isEqualTo(winners.iterator().next());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // a stale proposer (expects epoch 5) gets the winner back, and changes nothing
        Decision now = s[0].read();
        assertThat(s[1].propose(5, decision(6, "b"))).isEqualTo(now);
        // retrying a proposal that already won returns it (at-least-once retries)
        Decision next = decision(21, "c");
        assertThat(s[2].propose(20, next)).isEqualTo(next);
        assertThat(s[2].propose(20, next)).isEqualTo(next);
        assertThat(s[0].read()).isEqualTo(next);
    }

    @Test
    @Order(3)
    void seedsFromTheHighestLocalEpochAndNeverGoesBackwards() throws Exception {
        DecisionStore a = store("seed", "a", LEASE);
        Decision seven = decision(7, "a");
        assertThat(a.start(seven)).as("an empty reference is seeded").isEqualTo(seven);
        DecisionStore b = store("seed", "b", LEASE);
        assertThat(b.start(decision(3, "b"))).as("a lower local epoch does not win").isEqualTo(seven);
        DecisionStore c = store("seed", "c", LEASE);
        Decision nine = decision(9, "c");
        assertThat(c.start(nine)).as("a higher local epoch raises the shared one").isEqualTo(nine);
        assertThat(a.read()).isEqualTo(nine);
        assertThat(b.read()).isEqualTo(nine);
    }

    @Test
    @Order(4)
    void refusesADecisionNamingAServerOutsideItsUrl() throws Exception {
        DecisionStore a = store("foreign", "a", LEASE);
        a.start(null);
        DecisionStore other = new HazelcastDecisionStoreFactory().create(new StoreContext("foreign", List.of("elsewhere:3306"),
                "x", LEASE, Map.of(HazelcastSettings.CONFIG, cluster.memberFile(0).toString())));
        stores.add(other);
        other.start(null);
        other.propose(0, new Decision("elsewhere:3306", 1, "x", Instant.now(), "misconfigured"));
        assertThatThrownBy(a::read).isInstanceOf(SQLException.class)
                .hasMessageContaining("elsewhere:3306").hasMessageContaining("not one of this group's servers")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
    }

    @Test
    @Order(5)
    void acknowledgementsAndAnExpiredInstance() throws Exception {
        Duration lease = Duration.ofSeconds(1);
        DecisionStore a = store("acks", "a", lease);
        DecisionStore b = store("acks", "b", lease);
        DecisionStore c = store("acks", "c", lease);
        a.start(null);
        b.start(null);
        c.start(null);
        Decision one = a.propose(0, decision(1, "a"));
        a.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).isFalse();
        b.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).as("c has not acknowledged").isFalse();
        c.acknowledge(1);
        assertThat(a.acknowledgements(1).complete()).isTrue();
        assertThat(b.acknowledgements(1).complete()).isTrue();
        a.propose(1, decision(2, "a"));
        a.acknowledge(2);
        b.acknowledge(2);
        // c has "crashed": it neither reads nor acknowledges. a and b keep reading (heartbeats).
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            a.read();
            b.read();
            return a.acknowledgements(2).complete();
        });
        long expiredAfter = (System.nanoTime() - t0) / 1_000_000;
        assertThat(expiredAfter).as("c is expired after %d leases, not before", HazelcastDecisionStore.EXPIRY_LEASES)
                .isGreaterThanOrEqualTo(lease.toMillis() * HazelcastDecisionStore.EXPIRY_LEASES - 200);
        Report.line("a silent instance (lease 1 s) was removed from the instance table after " + expiredAfter + " ms");
        assertThat(b.acknowledgements(2).complete()).isTrue();
        // c comes back: it registers again, and a new epoch waits for it
        c.read();
        c.acknowledge(1);
        a.propose(2, decision(3, "a"));
        a.acknowledge(3);
        b.acknowledge(3);
        assertThat(a.acknowledgements(3).complete()).isFalse();
        c.acknowledge(3);
        assertThat(a.acknowledgements(3).complete()).isTrue();
        // a graceful close deregisters at once
        c.close();
        a.propose(3, decision(4, "a"));
        a.acknowledge(4);
        b.acknowledge(4);
        assertThat(a.acknowledgements(4).complete()).isTrue();
        assertThat(one.epoch()).isEqualTo(1);
    }

    @Test
    @Order(6)
    void latencies() throws Exception {
        DecisionStore a = store("latency", "a", LEASE);
        a.start(null);
        int n = 2000;
        long[] gets = new long[n];
        long[] cases = new long[n];
        Decision d = null;
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            a.read();
            gets[i] = System.nanoTime() - t;
            Decision next = decision(i + 1, "a");
            t = System.nanoTime();
            d = a.propose(i, next);
            cases[i] = System.nanoTime() - t;
            assertThat(d).isEqualTo(next);
        }
        Report.line("read (linearizable get) through the embedded member, " + n + " calls: " + percentiles(gets));
        Report.line("propose (get + compare-and-set), " + n + " calls: " + percentiles(cases));
    }

    @Test
    @Order(7)
    void hintsReachAClientFasterThanPolling() throws Exception {
        DecisionStore writer = store("hints", "w", LEASE);
        writer.start(null);
        DecisionStore reader = store("hints", "r", LEASE, Map.of(HazelcastSettings.CLIENT_CONFIG,
                cluster.clientFile().toString()));
        BlockingQueue<Long> hinted = new LinkedBlockingQueue<>();
        reader.onChange(() -> hinted.add(System.nanoTime()));
        reader.start(null);
        int n = 50;
        long[] hint = new long[n];
        for (int i = 0; i < n; i++) {
            hinted.clear();
            long t = System.nanoTime();
            writer.propose(i, decision(i + 1, "w"));
            Long at = hinted.poll(10, TimeUnit.SECONDS);
            assertThat(at).as("hint for epoch %d", i + 1).isNotNull();
            assertThat(reader.read().epoch()).isEqualTo(i + 1);
            hint[i] = at - t;
        }
        Report.line("CAS to hint received by a client store, " + n + " switches: " + percentiles(hint));
        // polling: a reader that reads every 250 ms (a lease of 1 s / 4) learns of a switch half a period later on average
        long[] poll = new long[20];
        for (int i = 0; i < poll.length; i++) {
            long epoch = reader.read().epoch();
            long t = System.nanoTime();
            writer.propose(epoch, decision(epoch + 1, "w"));
            // a poller every 250 ms whose phase is random relative to the switch
            await().pollDelay(Duration.ofMillis((long) (Math.random() * 250))).pollInterval(Duration.ofMillis(250))
                    .atMost(Duration.ofSeconds(10)).until(() -> reader.read().epoch() != epoch);
            poll[i] = System.nanoTime() - t;
        }
        Report.line("CAS to aware by polling every 250 ms (random phase), " + poll.length + " switches: " + percentiles(poll));
    }

    @Test
    @Order(8)
    void epochsNeverGoBackwardsAfterACpReset() throws Exception {
        DecisionStore a = store("reset", "a", LEASE);
        a.start(decision(12, "a"));
        DecisionStore b = store("reset", "b", LEASE);
        assertThat(b.start(null).epoch()).isEqualTo(12);
        long t0 = System.nanoTime();
        embedded().getCPSubsystem().getCPSubsystemManagementService().reset().toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        // every CP value is gone; the stores put back the highest decision they have seen
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try {
                return b.read().epoch() == 12;
            } catch (SQLException e) {
                return false;
            }
        });
        Report.line("after a CP reset() the decision was back (re-seeded by a store) " + (System.nanoTime() - t0) / 1_000_000
                + " ms after the reset was requested");
        assertThat(a.read().epoch()).isEqualTo(12);
        DecisionStore c = store("reset", "c", LEASE);
        assertThat(c.start(decision(3, "c")).epoch()).as("a lower state file does not win").isEqualTo(12);
        assertThat(c.propose(12, decision(13, "c")).epoch()).isEqualTo(13);
        assertThat(a.read().epoch()).isEqualTo(13);
    }

    static String percentiles(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", s[s.length / 2] / 1e6,
                s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6, s[s.length - 1] / 1e6);
    }

    // ---- faults (destructive, last)

    @Test
    @Order(20)
    void aFrozenLeaderStallsCallsAndRejoinsAfterItResumes() throws Exception {
        awaitWholeCpSubsystem();
        DecisionStore a = store("freeze", "a", LEASE);
        a.start(null);
        a.propose(0, decision(1, "a"));
        assumeTrue(MemberCluster.canSignal(), "freezing a member needs the kill command: apt-get install procps");
        int child = makeAChildLeadTheDefaultGroup();
        try {
            frozenLeader(a, child);
        } finally {
            cluster.thaw(child);
        }
    }

    /**
     * Each destructive test starts from a whole CP Subsystem: three members, three CP members, all in the decision's
     * group. Right after a fault is healed the group may still list a member that is gone (promotion and rebalancing
     * are asynchronous), and a second fault in that window takes two of three votes: Raft's limit, not the one tested.
     */
    static void awaitWholeCpSubsystem() throws Exception {
        for (int child = 1; child <= 2; child++) {
            if (MemberCluster.canSignal() && cluster.process(child).isAlive()) {
                cluster.thaw(child);
            }
            cluster.ensureRunning(child);
        }
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> wholeCpSubsystem(3));
    }

    private void frozenLeader(DecisionStore a, int child) throws Exception {
        long[] epoch = {a.read().epoch()};
        cluster.freeze(child);
        long t0 = System.nanoTime();
        int[] failures = {0};
        boolean recovered = true;
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> works(a, epoch, failures));
        } catch (ConditionTimeoutException e) {
            recovered = false;
        }
        if (recovered) {
            long took = (System.nanoTime() - t0) / 1_000_000;
            // Not asserted against the lease: on this loaded 2-core machine it took 4.7 to 20 s, or the two others split (docs: known limits).
            Report.line("CP leader's JVM frozen (SIGSTOP): get and CAS from the other members work again after " + took
                    + " ms (" + failures[0] + " calls failed with callTimeout 2 s)"
                    + (took < LEASE.toMillis() ? "" : ", LONGER THAN THE LEASE"));
            await().atMost(Duration.ofSeconds(30)).until(() -> embedded().getCluster().getMembers().size() == 2);
            long expelled = (System.nanoTime() - t0) / 1_000_000;
            int before = promotions(child);
            cluster.thaw(child);
            long t1 = System.nanoTime();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cpMembersPresent(3, child, before));
            Report.line("frozen member expelled after " + expelled + " ms; after SIGCONT it restarted itself, rejoined and "
                    + "was promoted back to CP member in " + (System.nanoTime() - t1) / 1_000_000 + " ms");
            assertThat(cluster.log(child)).contains("restarting the member");
        } else {
            // Known limit (docs/several-instances.md): the two healthy members sometimes stall each other right after
            // the frozen one is expelled, and the CP Subsystem has to form afresh once it is back.
            Report.line("CP leader's JVM frozen (SIGSTOP): the two other members lost each other after its removal; "
                    + "every call failed closed for 30 s (" + failures[0] + " calls)");
            cluster.thaw(child);
        }
        long t2 = System.nanoTime();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> works(a, epoch, failures) && embedded().getCluster().getMembers().size() == 3);
        if (!recovered) {
            Report.line("... after SIGCONT the three formed a CP Subsystem again and the decision was back after "
                    + (System.nanoTime() - t2) / 1_000_000 + " ms");
        }
    }

    private static boolean works(DecisionStore a, long[] epoch, int[] failures) {
        try {
            a.read();
            epoch[0] = a.propose(epoch[0], decision(epoch[0] + 1, "a")).epoch();
            return true;
        } catch (SQLException e) {
            failures[0]++;
            return false;
        }
    }

    @Test
    @Order(21)
    void aKilledMemberRestartsAndIsPromotedBack() throws Exception {
        awaitWholeCpSubsystem();
        DecisionStore a = store("kill", "a", LEASE);
        a.start(null);
        a.propose(0, decision(1, "a"));
        cluster.kill(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> embedded().getCluster().getMembers().size() == 2);
        // two of three CP members decide (after a new Raft election, if the killed member led)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> a.propose(1, decision(2, "a")).epoch() == 2);
        int before = promotions(2);
        long t0 = System.nanoTime();
        cluster.start(2);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> cpMembersPresent(3, 2, before));
        long promoted = (System.nanoTime() - t0) / 1_000_000;
        Report.line("member killed (SIGKILL) and restarted: promoted back to CP member " + promoted
                + " ms after its JVM was started");
        assertThat(a.propose(2, decision(3, "a")).epoch()).isEqualTo(3);
    }

    @Test
    @Order(22)
    void twoMembersCrashTogetherTheStoreFailsClosedThenRecovers() throws Exception {
        awaitWholeCpSubsystem();
        DecisionStore a = store("crash2", "a", LEASE);
        a.start(null);
        Decision five = a.propose(0, decision(5, "a"));
        DecisionStore reader = stores.get(0); // group "first", epoch 1
        cluster.kill(1);
        cluster.kill(2);
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            long t = System.nanoTime();
            try {
                a.read();
                return false;
            } catch (SQLException e) {
                long took = (System.nanoTime() - t) / 1_000_000;
                assertThat(took).as("a failing call ends within its deadline").isLessThan(2000 + 1500);
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("hazelcast");
                return true;
            }
        });
        Report.line("two of three members killed together: reads fail (08001) from " + (System.nanoTime() - t0) / 1_000_000
                + " ms after the kill");
        assertThatThrownBy(() -> a.propose(5, decision(6, "a"))).isInstanceOf(SQLException.class);
        long t1 = System.nanoTime();
        cluster.start(1);
        cluster.start(2);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try {
                return a.read().equals(five) && reader.read().epoch() >= 1;
            } catch (SQLException e) {
                return false;
            }
        });
        Report.line("two crashed members restarted: the CP Subsystem formed afresh and the stores put their decisions back "
                + (System.nanoTime() - t1) / 1_000_000 + " ms after the JVMs were started");
        assertThat(a.propose(5, decision(6, "a")).epoch()).isEqualTo(6);
    }

    /**
     * Whether the CP Subsystem has {@code n} CP members, all in the cluster (CP members have UUIDs of their own: matched
     * by address), and member {@code child}, restarted, has promoted itself.
     */
    static boolean cpMembersPresent(int n, int child, int promotionsBefore) {
        try {
            HazelcastInstance hz = embedded();
            Collection<CPMember> cp = hz.getCPSubsystem().getCPSubsystemManagementService().getCPMembers()
                    .toCompletableFuture().get(3, TimeUnit.SECONDS);
            Set<Address> present = new HashSet<>();
            hz.getCluster().getMembers().forEach(m -> present.add(m.getAddress()));
            // and the decision's CP group has been given its third member again (Hazelcast rebalances asynchronously)
            Collection<CPMember> group = hz.getCPSubsystem().getCPSubsystemManagementService().getCPGroup("default")
                    .toCompletableFuture().get(3, TimeUnit.SECONDS).members();
            return cp.size() == n && cp.stream().allMatch(m -> present.contains(m.getAddress()))
                    && group.size() == n && group.stream().allMatch(m -> present.contains(m.getAddress()))
                    && cp.stream().anyMatch(m -> m.getAddress().getPort() == cluster.ports[child])
                    && promotions(child) > promotionsBefore;
        } catch (Exception e) {
            return false;
        }
    }

    static boolean wholeCpSubsystem(int n) {
        try {
            HazelcastInstance hz = embedded();
            Set<Address> present = new HashSet<>();
            hz.getCluster().getMembers().forEach(m -> present.add(m.getAddress()));
            Collection<CPMember> cp = hz.getCPSubsystem().getCPSubsystemManagementService().getCPMembers()
                    .toCompletableFuture().get(3, TimeUnit.SECONDS);
            Collection<CPMember> group = hz.getCPSubsystem().getCPSubsystemManagementService().getCPGroup("default")
                    .toCompletableFuture().get(3, TimeUnit.SECONDS).members();
            return present.size() == n && cp.size() == n && cp.stream().allMatch(m -> present.contains(m.getAddress()))
                    && group.size() == n && group.stream().allMatch(m -> present.contains(m.getAddress()));
        } catch (Exception e) {
            return false;
        }
    }

    static int promotions(int child) {
        try {
            return cluster.log(child).split("promoted to CP member", -1).length - 1;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Moves the leadership of the default CP group (the decision's) to a child JVM; returns its index. */
    static int makeAChildLeadTheDefaultGroup() throws Exception {
        HazelcastInstance hz = embedded();
        RaftService raft = ((HazelcastInstanceProxy) hz).getOriginal().node.getNodeEngine().getService(RaftService.SERVICE_NAME);
        CPGroup group = hz.getCPSubsystem().getCPSubsystemManagementService().getCPGroup("default").toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        RaftNode node = raft.getRaftNode(group.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> node.getLeader() != null);
        UUID me = hz.getCPSubsystem().getLocalCPMember().getUuid();
        // This JVM's member started first, so it is the cluster master and a frozen child is only a Raft leader: with
        // the master frozen too, the two others lost each other in one run (see docs/several-instances.md).
        assertThat(hz.getCluster().getMembers().iterator().next().localMember()).as("this JVM is the master").isTrue();
        if (node.getLeader().getUuid().equals(me)) {
            CPMember target = group.members().stream().filter(m -> m.getAddress().getPort() == cluster.ports[1])
                    .findFirst().orElseThrow();
            raft.transferLeadership(group.id(), (CPMemberInfo) target).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> node.getLeader() != null
                    && !node.getLeader().getUuid().equals(me));
        }
        UUID leader = node.getLeader().getUuid();
        CPMember l = group.members().stream().filter(m -> m.getUuid().equals(leader)).findFirst().orElseThrow();
        return l.getAddress().getPort() == cluster.ports[1] ? 1 : 2;
    }
}
