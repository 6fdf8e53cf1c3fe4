package dev.stickyfail.internal.decider;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.FailbackPolicy;
import dev.stickyfail.event.SwitchReason;
import org.junit.jupiter.api.Test;

import static dev.stickyfail.admin.ServerState.DOWN;
import static dev.stickyfail.admin.ServerState.GOING_DOWN;
import static dev.stickyfail.admin.ServerState.UNKNOWN;
import static dev.stickyfail.admin.ServerState.UP;
import static org.assertj.core.api.Assertions.assertThat;

class SwitchPolicyTest {

    private static SwitchPolicy.View v(ServerState s) {
        return new SwitchPolicy.View(s, AdminState.READY);
    }

    private static SwitchPolicy.View v(ServerState s, AdminState a) {
        return new SwitchPolicy.View(s, a);
    }

    private static SwitchPolicy.Verdict decide(int current, FailbackPolicy f, SwitchPolicy.View... views) {
        return SwitchPolicy.decide(current, views, f);
    }

    @Test
    void theFirstDecisionWaitsForEveryServerAheadOfTheFirstOneUp() {
        assertThat(decide(-1, FailbackPolicy.NEVER, v(UNKNOWN), v(UP))).isInstanceOf(SwitchPolicy.Wait.class);
        assertThat(decide(-1, FailbackPolicy.NEVER, v(DOWN), v(UP))).isEqualTo(
                new SwitchPolicy.SwitchTo(1, SwitchReason.INITIAL, "first decision: the first server up"));
        assertThat(decide(-1, FailbackPolicy.NEVER, v(UP, AdminState.MAINT), v(UP)))
                .extracting(x -> ((SwitchPolicy.SwitchTo) x).target()).isEqualTo(1);
        assertThat(decide(-1, FailbackPolicy.NEVER, v(DOWN), v(DOWN))).isInstanceOf(SwitchPolicy.Wait.class);
    }

    @Test
    void stickyTheActiveServerIsLeftOnlyWhenDownOrInMaintenance() {
        assertThat(decide(1, FailbackPolicy.NEVER, v(UP), v(UP))).isInstanceOf(SwitchPolicy.Stay.class);
        assertThat(decide(1, FailbackPolicy.NEVER, v(UP), v(GOING_DOWN))).as("still up until fall failures")
                .isInstanceOf(SwitchPolicy.Stay.class);
        assertThat(decide(1, FailbackPolicy.NEVER, v(UP), v(UNKNOWN))).as("unknown after a restart: not left")
                .isInstanceOf(SwitchPolicy.Stay.class);
        assertThat(decide(0, FailbackPolicy.NEVER, v(DOWN), v(UP))).extracting(x -> ((SwitchPolicy.SwitchTo) x).reason())
                .isEqualTo(SwitchReason.MARKED_DOWN);
        assertThat(decide(0, FailbackPolicy.NEVER, v(UP, AdminState.MAINT), v(UP)))
                .extracting(x -> ((SwitchPolicy.SwitchTo) x).reason()).isEqualTo(SwitchReason.MAINTENANCE);
        assertThat(decide(0, FailbackPolicy.NEVER, v(UP, AdminState.DRAIN), v(UP))).as("drain: stays until down")
                .isInstanceOf(SwitchPolicy.Stay.class);
        assertThat(decide(0, FailbackPolicy.NEVER, v(DOWN), v(UP, AdminState.DRAIN))).as("no eligible target")
                .isInstanceOf(SwitchPolicy.Stay.class);
    }

    @Test
    void aDownActiveServerGoesToTheFirstEligibleInPriorityOrder() {
        assertThat(decide(0, FailbackPolicy.NEVER, v(DOWN), v(DOWN), v(UP)))
                .extracting(x -> ((SwitchPolicy.SwitchTo) x).target()).isEqualTo(2);
        assertThat(decide(2, FailbackPolicy.NEVER, v(UP), v(UP), v(DOWN)))
                .extracting(x -> ((SwitchPolicy.SwitchTo) x).target()).isEqualTo(0);
    }

    @Test
    void failbackPrimaryUpReturnsToTheHighestPriorityServerUp() {
        assertThat(decide(2, FailbackPolicy.PRIMARY_UP, v(DOWN), v(UP), v(UP)))
                .isEqualTo(new SwitchPolicy.SwitchTo(1, SwitchReason.FAILBACK,
                        "stickyfail.failback=primary-up: a higher-priority server is up again"));
        assertThat(decide(0, FailbackPolicy.PRIMARY_UP, v(UP), v(UP), v(UP))).isInstanceOf(SwitchPolicy.Stay.class);
    }
}
