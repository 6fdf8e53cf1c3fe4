package dev.stickyfail.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DurationsTest {

    @Test
    void acceptsMillisecondsSecondsMinutesAndPlainNumbers() {
        assertThat(Durations.parseOrNull("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parseOrNull("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parseOrNull("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parseOrNull("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parseOrNull("24h")).as("the cap").isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parseOrNull(" 750 ")).isEqualTo(Duration.ofMillis(750));
        assertThat(Durations.parseOrNull("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void rejectsEverythingElse() {
        for (String bad : new String[] {"", "abc", "-1s", "1.5s", "25h", "9999999999s", "s", "ms2", "1 s", "9999999999999ms", null}) {
            assertThat(Durations.parseOrNull(bad)).as(bad).isNull();
        }
    }

    @Test
    void formatsTheShortestExactForm() {
        assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Durations.format(Duration.ofMillis(2000))).isEqualTo("2s");
        assertThat(Durations.format(Duration.ofMinutes(3))).isEqualTo("3m");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0ms");
    }
}
