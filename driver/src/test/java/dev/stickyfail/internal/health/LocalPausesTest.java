package dev.stickyfail.internal.health;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The pause record, fed by hand: what a deadline subtracts after this JVM did not run. */
class LocalPausesTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aLateWakeUpIsAPauseAndOnlyItsOverlapWithAnIntervalIsSubtracted() {
        LocalPauses p = new LocalPauses(0);
        p.tick(10 * MS);
        p.tick(20 * MS);
        p.tick(2_030 * MS); // woke 2,000 ms late: a 2 s pause from 30 ms on
        assertThat(p.pausedWithin(0, 2_030 * MS)).isEqualTo(2_000 * MS);
        assertThat(p.pausedWithin(1_030 * MS, 3_000 * MS)).isEqualTo(1_000 * MS);
        assertThat(p.pausedWithin(0, 25 * MS)).isZero();
        assertThat(p.longestNanos()).isEqualTo(2_000 * MS);
    }

    @Test
    void wakeUpsWithinTheSlackAreNoPause() {
        LocalPauses p = new LocalPauses(0);
        p.tick((LocalPauses.TICK_MILLIS + LocalPauses.SLACK_MILLIS) * MS);
        assertThat(p.totalNanos()).isZero();
    }

    @Test
    void untilTheDetectorRunsAgainAfterAPauseItIsNotSettled() {
        LocalPauses p = new LocalPauses(0);
        assertThat(p.settled(20 * MS)).isTrue();
        assertThat(p.settled(2_000 * MS)).as("nothing recorded yet for the last 2 s").isFalse();
        p.tick(2_000 * MS);
        assertThat(p.settled(2_005 * MS)).isTrue();
    }
}
