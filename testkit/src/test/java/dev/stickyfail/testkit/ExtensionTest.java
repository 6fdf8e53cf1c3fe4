package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The extension injects the same group everywhere in a class, shares it, and nested classes reuse it. */
@MariaDbGroupTest
class ExtensionTest {

    private static final List<ServerGroup> SEEN = new ArrayList<>();

    ExtensionTest(ServerGroup group) {
        SEEN.add(group);
    }

    @BeforeAll
    static void beforeAll(ServerGroup group) {
        SEEN.add(group);
    }

    @BeforeEach
    void beforeEach(ServerGroup group) {
        SEEN.add(group);
    }

    @Test
    void injectsOneHealthyGroupEverywhere(ServerGroup group) {
        SEEN.add(group);
        assertThat(SEEN).allMatch(g -> g == group);
        assertThat(group.isClosed()).isFalse();
        assertThat(group.size()).isEqualTo(2);
        group.assertReplicationHealthy();
    }

    @AfterAll
    static void afterAll(ServerGroup group) {
        assertThat(group.isClosed()).as("a shared group outlives the class").isFalse();
    }

    @Nested
    class Inner {
        @Test
        void usesTheEnclosingClassesGroup(ServerGroup group) {
            assertThat(SEEN).isNotEmpty().allMatch(g -> g == group);
        }
    }
}
