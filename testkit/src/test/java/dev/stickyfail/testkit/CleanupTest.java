package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Test 6: nothing of a group is left behind: no mariadbd process (checked by pid), no data directory. */
class CleanupTest {

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void closeKillsEveryServerEvenFrozenOrRestartedOnesAndDeletesTheirDirectories() throws Exception {
        ServerGroup group = ServerGroup.start(2);
        List<Long> pids = new ArrayList<>();
        List<Path> dataDirs = new ArrayList<>();
        pids.add(group.server(1).pid());
        group.server(1).kill();
        group.server(1).start(); // a second process for server 1
        group.server(0).freeze(); // close must cope with a stopped process
        for (DbServer server : group.servers()) {
            pids.add(server.pid());
            dataDirs.add(server.dataDir().orElseThrow());
        }
        assertThat(dataDirs).allMatch(Files::isDirectory);
        Path groupDir = dataDirs.get(0).getParent().getParent();

        group.close();

        assertThat(pids).noneMatch(CleanupTest::alive);
        assertThat(dataDirs).noneMatch(Files::exists);
        assertThat(groupDir).doesNotExist();
        assertThat(group.isClosed()).isTrue();
        group.close(); // idempotent
    }

    @Test
    void theWatchdogCleansUpAfterAKilledJvm(@TempDir Path tmp) throws Exception {
        Child child = Child.start(tmp, true);
        try {
            child.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(alive(child.pid0)).isFalse();
                assertThat(alive(child.pid1)).isFalse();
                assertThat(child.root).doesNotExist();
            });
        } finally {
            child.killServersIfStillAlive();
        }
    }

    @Test
    void theNextRunsSweepCleansUpAfterAKilledJvmWithoutWatchdog(@TempDir Path tmp) throws Exception {
        Child child = Child.start(tmp, false);
        try {
            child.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertThat(alive(child.pid0)).as("nothing cleaned up yet").isTrue();
            assertThat(child.root).exists();

            Workspace.sweepStale(child.root.getParent());

            assertThat(alive(child.pid0)).isFalse();
            assertThat(alive(child.pid1)).isFalse();
            assertThat(child.root).doesNotExist();
        } finally {
            child.killServersIfStillAlive();
        }
    }

    /** A JVM running {@link GroupHolderMain} with its own java.io.tmpdir. */
    private static final class Child {
        final Process process;
        final long pid0;
        final long pid1;
        final Path root;

        private Child(Process process, long pid0, long pid1, Path root) {
            this.process = process;
            this.pid0 = pid0;
            this.pid1 = pid1;
            this.root = root;
        }

        static Child start(Path tmp, boolean watchdog) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(java,
                    "-cp", System.getProperty("java.class.path"),
                    "-Djava.io.tmpdir=" + tmp,
                    "-Dstickyfail.testkit.watchdog=" + watchdog,
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    GroupHolderMain.class.getName())
                    .redirectErrorStream(true)
                    .start();
            try {
                BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                StringBuilder seen = new StringBuilder();
                String ready = CompletableFuture.supplyAsync(() -> {
                    try {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            if (line.startsWith("READY ")) {
                                return line;
                            }
                            seen.append(line).append('\n');
                        }
                        return null;
                    } catch (java.io.IOException e) {
                        return null;
                    }
                }).get(60, TimeUnit.SECONDS);
                assertThat(ready).as("child output:\n%s", seen).isNotNull();
                String[] parts = ready.split(" ");
                Path root = Path.of(parts[3]);
                assertThat(root).startsWith(tmp);
                return new Child(process, Long.parseLong(parts[1]), Long.parseLong(parts[2]), root);
            } catch (Exception | AssertionError e) {
                process.destroyForcibly();
                throw e;
            }
        }

        /** Safety net so a failing test does not leave servers behind. */
        void killServersIfStillAlive() {
            process.destroyForcibly();
            Workspace.killServersUnder(root);
            Workspace.deleteTree(root);
        }
    }
}
