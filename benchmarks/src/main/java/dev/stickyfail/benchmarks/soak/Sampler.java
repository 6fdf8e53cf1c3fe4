package dev.stickyfail.benchmarks.soak;

import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.testkit.ServerGroup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.stream.Stream;

/** Takes {@link Sample}s. */
final class Sampler {

    private final ServerGroup group;
    private final HikariDataSource pool;
    private final long startNanos = System.nanoTime();

    Sampler(ServerGroup group, HikariDataSource pool) {
        this.group = group;
        this.pool = pool;
    }

    Sample take(int afterSwitches) {
        int[] sessions = new int[group.size()];
        for (int i = 0; i < sessions.length; i++) {
            try {
                sessions[i] = group.server(i).connectionCount(group.appUser());
            } catch (SQLException e) {
                sessions[i] = -1;
            }
        }
        long heap = heapAfterGc();
        int threads = 0;
        int sticky = 0;
        int proxy = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.isAlive()) {
                continue;
            }
            threads++;
            if (t.getName().startsWith("stickyfail")) {
                sticky++;
            } else if (t.getName().startsWith("faultproxy")) {
                proxy++;
            }
        }
        int live = ManagementFactory.getThreadMXBean().getThreadCount();
        return new Sample(afterSwitches, (System.nanoTime() - startNanos) / 1e9, Math.max(live, threads), sticky, proxy,
                heap, fds(), sessions, pool.getHikariPoolMXBean() == null ? -1
                : pool.getHikariPoolMXBean().getTotalConnections(), loadAverage());
    }

    /** Heap used after two full collections (the second collects what the first's finalisation freed). */
    static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Open file descriptors of this JVM, or -1 where {@code /proc/self/fd} does not exist. */
    static int fds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1; // the listing's own descriptor
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
