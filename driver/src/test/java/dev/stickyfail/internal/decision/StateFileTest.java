package dev.stickyfail.internal.decision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class StateFileTest {

    private static final Set<String> SERVERS = Set.of("db0:3306", "db1:3306");

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackADecision() throws IOException {
        StateFile f = new StateFile(dir.resolve("sub/state"), "g");
        Decision d = new Decision("db1:3306", 7, Instant.parse("2026-11-22T10:00:00Z"), "db0:3306 marked DOWN (refused)\nsecond line");
        f.write(d);
        Decision back = f.read(SERVERS);
        assertThat(back).isEqualTo(new Decision("db1:3306", 7, d.time(), "db0:3306 marked DOWN (refused)\nsecond line"));
        try (var files = Files.list(dir.resolve("sub"))) {
            assertThat(files).as("no temporary file left behind").containsExactly(dir.resolve("sub/state"));
        }
    }

    @Test
    void missingFileIsAFreshStart() {
        assertThat(new StateFile(dir.resolve("none"), "g").read(SERVERS)).isNull();
    }

    @Test
    void corruptForeignOrStaleFilesAreIgnored() throws IOException {
        Path p = dir.resolve("state");
        StateFile f = new StateFile(p, "g");
        for (String content : new String[] {
                "\u0000\u0001garbage",
                "format=something-else/1\ngroup=g\nserver=db0:3306\nepoch=1\ntime=2026-11-22T10:00:00Z\n",
                "format=stickyfail-state/1\ngroup=other\nserver=db0:3306\nepoch=1\ntime=2026-11-22T10:00:00Z\n",
                "format=stickyfail-state/1\ngroup=g\nserver=db9:3306\nepoch=1\ntime=2026-11-22T10:00:00Z\n",
                "format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=x\ntime=2026-11-22T10:00:00Z\n",
                "format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=0\ntime=2026-11-22T10:00:00Z\n",
                "format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=3\ntime=yesterday\n",
        }) {
            Files.writeString(p, content);
            assertThat(f.read(SERVERS)).as(content).isNull();
        }
        Files.writeString(p, "format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=3\ntime=2026-11-22T10:00:00Z\n");
        assertThat(f.read(SERVERS)).isNotNull().extracting(Decision::epoch).isEqualTo(3L);
    }

    @Test
    void localStoreWritesTheFileAtEverySwitch() throws Exception {
        Path p = dir.resolve("state");
        LocalDecisionStore store = new LocalDecisionStore(new StateFile(p, "g"), SERVERS);
        assertThat(store.load()).isNull();
        Decision first = Decision.next(null, "db0:3306", "first");
        assertThat(store.compareAndSet(null, first)).isTrue();
        Decision second = Decision.next(first, "db1:3306", "db0 down");
        assertThat(store.compareAndSet(null, second)).as("stale expectation").isFalse();
        assertThat(store.compareAndSet(first, second)).isTrue();
        assertThat(new LocalDecisionStore(new StateFile(p, "g"), SERVERS).load()).isEqualTo(second);
        assertThat(second.epoch()).isEqualTo(2);
    }
}
