package dev.stickyfail.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * cp-member-count 5: this JVM's embedded member (with its keeper) and four plain members in this JVM. Three leave
 * gracefully, one at a time: each leaves the CP groups, which shrink to the two left, still a working majority of
 * themselves. Before, the keeper counted against the configured cp-member-count (a majority of 3), saw 2 members,
 * restarted its member after 3 s and wiped the only copy of the CP state. (Hazelcast 5.4 does not shrink a CP group
 * below two members: the last two cannot part gracefully, so this needs cp-member-count 5.)
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class GracefulShrinkTest {

    /** {@code n} members, all CP members, in both CP groups, and the decision's group answers. */
    static boolean settled(HazelcastInstance hz, int n) {
        try {
            var cp = hz.getCPSubsystem().getCPSubsystemManagementService();
            return hz.getCluster().getMembers().size() == n && SharedDecisionTestAccess.cpMembers(hz) == n
                    && cp.getCPGroup("METADATA").toCompletableFuture().get(2, TimeUnit.SECONDS).members().size() == n
                    && hz.getCPSubsystem().getAtomicLong("shrink-probe").incrementAndGetAsync().toCompletableFuture()
                    .get(2, TimeUnit.SECONDS) > 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theMembersLeftAfterGracefulDeparturesKeepTheCpStateAndKeepDeciding() throws Exception {
        MemberCluster cluster = new MemberCluster(MemberCluster.newDir("shrink"), 5, 5);
        DecisionStore a = new HazelcastDecisionStoreFactory().create(new StoreContext("shrink", SharedDecisionTest.SERVERS,
                "a", Duration.ofSeconds(2), Map.of(HazelcastSettings.CONFIG, cluster.memberFile(0).toString())));
        List<HazelcastInstance> others = new ArrayList<>();
        try {
            CompletableFuture<Decision> started = CompletableFuture.supplyAsync(() -> Starting.started(a, null));
            await().atMost(Duration.ofSeconds(60)).until(() -> !Hazelcast.getAllHazelcastInstances().isEmpty());
            HazelcastInstance member = Hazelcast.getAllHazelcastInstances().iterator().next();
            for (int i = 1; i <= 4; i++) {
                others.add(Hazelcast.newHazelcastInstance(MinorityPartitionTest.plainMember(cluster, i)));
            }
            started.get(180, TimeUnit.SECONDS);
            Decision one = a.propose(0, new Decision(SharedDecisionTest.SERVERS.get(0), 1, "a", Instant.now(), "first"));
            for (int i = 0; i < 3; i++) {
                HazelcastInstance leaving = others.remove(others.size() - 1);
                leaving.shutdown(); // graceful: it leaves the CP groups first
                int left = 4 - i;
                // one departure at a time: Hazelcast refuses a CP membership change while another one runs
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> settled(member, left));
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                        .until(() -> settled(member, left));
            }
            assertThat(member.getCluster().getMembers()).as("fewer than a majority of cp-member-count 5").hasSize(2);
            // beyond the keeper's 3 s grace: the same member, the same state, deciding
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Hazelcast.getAllHazelcastInstances().contains(member) && a.read().equals(one));
            assertThat(a.propose(1, Decision.next(one, SharedDecisionTest.SERVERS.get(1), "a", "test")).epoch()).isEqualTo(2);
            Report.line("cp-member-count 5, three members left gracefully: the two left kept the CP state and decided for 8 s "
                    + "beyond the keeper's 3 s split grace");
        } finally {
            a.close();
            others.forEach(m -> m.getLifecycleService().terminate());
        }
    }
}
