package dev.stickyfail.internal.health;

import dev.stickyfail.admin.ServerState;
import dev.stickyfail.probe.ProbeOutcome;
import org.junit.jupiter.api.Test;

import static dev.stickyfail.probe.ProbeOutcome.FAIL;
import static dev.stickyfail.probe.ProbeOutcome.PASS;
import static dev.stickyfail.probe.ProbeOutcome.REFUSED;
import static dev.stickyfail.probe.ProbeOutcome.SERVER_ERROR;
import static org.assertj.core.api.Assertions.assertThat;

class HealthTest {

    private static final int RISE = 2;
    private static final int FALL = 3;

    private static Health run(Health h, ProbeOutcome... outcomes) {
        for (ProbeOutcome o : outcomes) {
            h = h.next(o, RISE, FALL);
        }
        return h;
    }

    @Test
    void unknownServerIsUpAfterOnePassAndDownAfterFallFailures() {
        assertThat(run(Health.initial(), PASS).state()).isEqualTo(ServerState.UP);
        assertThat(run(Health.initial(), FAIL, FAIL).state()).isEqualTo(ServerState.UNKNOWN);
        assertThat(run(Health.initial(), FAIL, FAIL, FAIL).state()).isEqualTo(ServerState.DOWN);
        assertThat(run(Health.initial(), REFUSED).state()).isEqualTo(ServerState.DOWN);
    }

    @Test
    void upServerGoesDownAfterFallConsecutiveFailures() {
        Health up = run(Health.initial(), PASS);
        assertThat(run(up, FAIL).state()).isEqualTo(ServerState.GOING_DOWN);
        assertThat(run(up, FAIL, FAIL).state()).isEqualTo(ServerState.GOING_DOWN);
        assertThat(run(up, FAIL, FAIL, FAIL).state()).isEqualTo(ServerState.DOWN);
    }

    @Test
    void aPassResetsTheFailureCount() {
        Health up = run(Health.initial(), PASS);
        assertThat(run(up, FAIL, FAIL, PASS, FAIL, FAIL).state()).isEqualTo(ServerState.GOING_DOWN);
        assertThat(run(up, FAIL, FAIL, PASS, FAIL, FAIL, FAIL).state()).isEqualTo(ServerState.DOWN);
    }

    @Test
    void aSingleSlowProbeDoesNotMarkAServerDown() {
        Health up = run(Health.initial(), PASS);
        assertThat(run(up, FAIL, PASS).state()).isEqualTo(ServerState.UP);
        assertThat(run(up, FAIL).state().isUp()).isTrue();
    }

    @Test
    void refusedMarksDownAtOnceFromAnyUpState() {
        Health up = run(Health.initial(), PASS);
        assertThat(run(up, REFUSED).state()).isEqualTo(ServerState.DOWN);
        assertThat(run(up, FAIL, REFUSED).state()).isEqualTo(ServerState.DOWN);
    }

    @Test
    void downServerComesUpAfterRiseConsecutivePasses() {
        Health down = run(Health.initial(), REFUSED);
        assertThat(run(down, PASS).state()).isEqualTo(ServerState.GOING_UP);
        assertThat(run(down, PASS).state().isUp()).isFalse();
        assertThat(run(down, PASS, PASS).state()).isEqualTo(ServerState.UP);
        assertThat(run(down, PASS, FAIL, PASS).state()).isEqualTo(ServerState.GOING_UP);
        assertThat(run(down, PASS, REFUSED).state()).isEqualTo(ServerState.DOWN);
    }

    @Test
    void serverErrorsNeitherBringDownNorBringUp() {
        Health up = run(Health.initial(), PASS);
        assertThat(run(up, SERVER_ERROR, SERVER_ERROR, SERVER_ERROR, SERVER_ERROR).state()).isEqualTo(ServerState.UP);
        Health down = run(Health.initial(), REFUSED);
        assertThat(run(down, SERVER_ERROR, SERVER_ERROR, SERVER_ERROR).state()).isEqualTo(ServerState.DOWN);
        assertThat(run(up, FAIL, SERVER_ERROR, FAIL, SERVER_ERROR, FAIL).state()).isEqualTo(ServerState.DOWN);
    }

    @Test
    void beforeItsFirstPassAServerThatAnswersWithErrorsIsMarkedDownAfterFallOfThem() {
        assertThat(run(Health.initial(), SERVER_ERROR, SERVER_ERROR).state()).isEqualTo(ServerState.UNKNOWN);
        assertThat(run(Health.initial(), SERVER_ERROR, SERVER_ERROR, SERVER_ERROR).state()).isEqualTo(ServerState.DOWN);
        assertThat(run(Health.initial(), SERVER_ERROR, FAIL, SERVER_ERROR).state()).isEqualTo(ServerState.DOWN);
        assertThat(run(Health.initial(), SERVER_ERROR, PASS).state()).isEqualTo(ServerState.UP);
    }

    @Test
    void riseAndFallOfOneActAtOnce() {
        assertThat(Health.initial().next(PASS, 1, 1).next(FAIL, 1, 1).state()).isEqualTo(ServerState.DOWN);
        assertThat(Health.initial().next(REFUSED, 1, 1).next(PASS, 1, 1).state()).isEqualTo(ServerState.UP);
    }
}
