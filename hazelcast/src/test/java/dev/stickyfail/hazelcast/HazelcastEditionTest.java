package dev.stickyfail.hazelcast;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which Hazelcast can run the CP Subsystem. The real refusal of 5.5.0 Community (Spring Boot 4.0's version) is shown end
 * to end by the Spring Boot sample, which builds with Boot's own dependency management.
 */
class HazelcastEditionTest {

    @Test
    void communityHasCpUpTo54AndEnterpriseAlways() {
        assertThat(new HazelcastEdition("5.4.0", false).memberHasCp()).isTrue();
        assertThat(new HazelcastEdition("5.3.8", false).memberHasCp()).isTrue();
        assertThat(new HazelcastEdition("5.5.0", false).memberHasCp()).isFalse();
        assertThat(new HazelcastEdition("5.7.0", false).memberHasCp()).isFalse();
        assertThat(new HazelcastEdition("6.0.0-SNAPSHOT", false).memberHasCp()).isFalse();
        assertThat(new HazelcastEdition("5.5.0", true).memberHasCp()).isTrue();
    }

    @Test
    void theRefusalIsOneLineNamingTheVersionFoundAndThePropertyToSet() {
        HazelcastEdition e = new HazelcastEdition("5.5.0", false);

        assertThatThrownBy(() -> e.requireMemberCp("the embedded member (stickyfail.hazelcast.config=/etc/m.yaml)"))
                .hasMessageContaining("Hazelcast 5.5.0 Community")
                .hasMessageContaining("hazelcast.version=5.4.0")
                .hasMessageContaining("stickyfail-bom")
                .hasMessageContaining("/etc/m.yaml")
                .hasMessageNotContaining("\n")
                .hasFieldOrPropertyWithValue("SQLState", "08001");
    }

    @Test
    void thisBuildRunsAHazelcastWithCp() {
        assertThat(HazelcastEdition.current().version()).isEqualTo(HazelcastEdition.LAST_COMMUNITY_WITH_CP);
        assertThatCode(() -> HazelcastEdition.current().requireMemberCp("this test")).doesNotThrowAnyException();
    }

    @Test
    void hazelcastsLicenceRefusalIsRecognisedAlongTheCauses() {
        RuntimeException refusal = new IllegalStateException("CP subsystem is a licensed feature. Please ensure you have "
                + "an Enterprise license that enables CP.");

        assertThat(HazelcastEdition.isLicenceRefusal(new RuntimeException("start failed", refusal))).isTrue();
        assertThat(HazelcastEdition.isLicenceRefusal(new RuntimeException("no route"))).isFalse();
    }
}
