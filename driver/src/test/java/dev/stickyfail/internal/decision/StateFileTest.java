package dev.stickyfail.internal.decision;

import dev.stickyfail.store.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateFileTest {

    private static final Set<String> SERVERS = Set.of("db0:3306", "db1:3306");
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackADecision() throws Exception {
        try (StateFile f = StateFile.open(dir.resolve("sub/state"), "g")) {
            Decision d = new Decision("db1:3306", 7, "host/1/ab", T, "db0:3306 marked DOWN (refused)\nsecond line");
            f.write(d);
            assertThat(f.read(SERVERS)).isEqualTo(new StateFile.Loaded(d));
        }
        try (var files = Files.list(dir.resolve("sub"))) {
            assertThat(files).as("no temporary file left behind, only the file and its lock")
                    .containsExactlyInAnyOrder(dir.resolve("sub/state"), dir.resolve("sub/state.lock"));
        }
    }

    @Test
    void missingFileIsAFreshStart() throws Exception {
        try (StateFile f = StateFile.open(dir.resolve("none"), "g")) {
            assertThat(f.read(SERVERS)).isInstanceOf(StateFile.Missing.class);
        }
    }

    @Test
    void corruptForeignOrUnknownFilesAreUnusableAndSayWhy() throws Exception {
        Path p = dir.resolve("state");
        try (StateFile f = StateFile.open(p, "g")) {
            String[][] cases = {
                    {"\u0000\u0001garbage", "not a stickyfail state file"},
                    {"format=something-else/1\ngroup=g\nserver=db0:3306\nepoch=1\ntime=2026-11-22T10:00:00Z\n", "format"},
                    {"format=stickyfail-state/1\ngroup=other\nserver=db0:3306\nepoch=1\ntime=2026-11-22T10:00:00Z\n", "group 'other'"},
                    {"format=stickyfail-state/1\ngroup=g\nserver=db9:3306\nepoch=4\ntime=2026-11-22T10:00:00Z\n", "db9:3306"},
                    {"format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=x\ntime=2026-11-22T10:00:00Z\n", "epoch"},
                    {"format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=0\ntime=2026-11-22T10:00:00Z\n", "not positive"},
                    {"format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=3\ntime=yesterday\n", "time"},
            };
            for (String[] c : cases) {
                Files.writeString(p, c[0]);
                assertThat(f.read(SERVERS)).as(c[0]).isInstanceOfSatisfying(StateFile.Unusable.class,
                        u -> assertThat(u.why()).contains(c[1]));
            }
            Files.writeString(p, "format=stickyfail-state/1\ngroup=g\nserver=db9:3306\nepoch=4\ntime=2026-11-22T10:00:00Z\n");
            assertThat(((StateFile.Unusable) f.read(SERVERS)).epochFloor()).as("a later decision goes above it").isEqualTo(4);
            Files.writeString(p, "format=stickyfail-state/1\ngroup=g\nserver=db0:3306\nepoch=3\ntime=2026-11-22T10:00:00Z\n");
            assertThat(f.read(SERVERS)).isInstanceOfSatisfying(StateFile.Loaded.class,
                    l -> assertThat(l.decision().epoch()).isEqualTo(3));
        }
    }

    @Test
    void aSecondOwnerOfTheSameFileIsRefused() throws Exception {
        Path p = dir.resolve("state");
        try (StateFile first = StateFile.open(p, "g")) {
            assertThatThrownBy(() -> StateFile.open(p, "h"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining(p.toString())
                    .hasMessageContaining("in use by another group or another JVM")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
        }
        StateFile.open(p, "h").close(); // released with the first
    }

    @Test
    void aSecondJvmOnTheSameFileIsRefused() throws Exception {
        Path p = dir.resolve("state");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), StateFileHolder.class.getName(), p.toString())
                .redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
            assertThat(out.readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> StateFile.open(p, "g")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("in use by another group or another JVM");
        } finally {
            holder.destroyForcibly().waitFor();
        }
        StateFile.open(p, "g").close(); // the lock died with its JVM
    }

    /** Holds a state file in another JVM until killed. */
    public static final class StateFileHolder {
        public static void main(String[] args) throws Exception {
            StateFile f = StateFile.open(Path.of(args[0]), "g");
            System.out.println("locked");
            System.out.flush();
            new java.util.concurrent.CountDownLatch(1).await(); // parks until the test kills this process
            f.close();
        }
    }

    @Test
    void aStaleMarkerMakesTheNextStartDistrustTheFile() throws Exception {
        Path p = dir.resolve("state");
        try (StateFile f = StateFile.open(p, "g")) {
            f.write(new Decision("db0:3306", 1, "", T, "first"));
            assertThat(f.markStale()).isTrue();
            assertThat(f.read(SERVERS)).as("the file naming the server being left is gone, and its absence is not a fresh start")
                    .isInstanceOfSatisfying(StateFile.Unusable.class, u -> assertThat(u.why()).contains("could not be written"));
            f.write(new Decision("db1:3306", 2, "", T, "second"));
            assertThat(f.read(SERVERS)).isInstanceOf(StateFile.Loaded.class);
            assertThat(Files.exists(dir.resolve("state.stale"))).as("a successful write removes the marker").isFalse();
        }
    }

    @Test
    void aWriteKeepsTheOperatorsFileMode() throws Exception {
        Path p = dir.resolve("state");
        try (StateFile f = StateFile.open(p, "g")) {
            f.write(new Decision("db0:3306", 1, "", T, "first"));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r-----"));
            f.write(new Decision("db1:3306", 2, "", T, "second"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-r-----");
        }
    }

    @Test
    void aDirectoryOrARootPathIsAClearError() {
        assertThatThrownBy(() -> StateFile.open(Path.of("/"), "g")).isInstanceOf(SQLException.class)
                .hasMessageContaining("stickyfail.stateFile");
        assertThatThrownBy(() -> StateFile.open(dir, "g")).isInstanceOf(SQLException.class)
                .hasMessageContaining("directory");
    }

    @Test
    void journalWritesTheLoadedDecisionBackAtOpenAndReportsAFailedWrite() throws Exception {
        Path p = dir.resolve("state");
        try (StateFile f = StateFile.open(p, "g")) {
            f.write(new Decision("db1:3306", 5, "", T, "before"));
        }
        DecisionJournal.Opened opened = DecisionJournal.open(p, "g", SERVERS);
        try (DecisionJournal j = opened.journal()) {
            assertThat(opened.content()).isInstanceOfSatisfying(StateFile.Loaded.class,
                    l -> assertThat(l.decision().epoch()).isEqualTo(5));
            assertThat(j.persisted()).isTrue();
            // make the next write fail: the temporary file's name is taken by a directory
            Files.createDirectory(dir.resolve("state.tmp"));
            Files.writeString(dir.resolve("state.tmp/keep"), "x"); // non-empty: the failed write cannot remove it
            assertThat(j.record(new Decision("db0:3306", 6, "", T, "switch"))).as("persisted changed").isTrue();
            assertThat(j.persisted()).isFalse();
            assertThat(j.lastError()).isNotBlank();
            assertThat(Files.exists(p)).as("the file naming the old server was moved aside").isFalse();
            assertThat(j.retry()).as("still failing").isFalse();
            Files.delete(dir.resolve("state.tmp/keep"));
            Files.delete(dir.resolve("state.tmp"));
            assertThat(j.retry()).as("the retry succeeds").isTrue();
            assertThat(j.persisted()).isTrue();
        }
        try (StateFile f = StateFile.open(p, "g")) {
            assertThat(f.read(SERVERS)).isInstanceOfSatisfying(StateFile.Loaded.class,
                    l -> assertThat(l.decision().server()).isEqualTo("db0:3306"));
        }
    }

    @Test
    void journalRefusesAnUnwritableDirectoryAtOpen() throws IOException {
        Path ro = dir.resolve("ro");
        Files.createDirectory(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro),
                "running as root: a read-only directory is still writable (the tmpfs test covers root)");
        assertThatThrownBy(() -> DecisionJournal.open(ro.resolve("state"), "g", SERVERS))
                .isInstanceOf(SQLException.class).hasMessageContaining(ro.toString());
    }
}
