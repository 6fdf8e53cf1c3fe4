package dev.stickyfail.benchmarks.soak;

import java.util.Locale;

/**
 * The JVM's and the servers' resources after {@code afterSwitches} switches, taken between cycles (no fault active).
 *
 * @param threads           live threads of this JVM
 * @param stickyfailThreads of those, the ones whose name starts with {@code stickyfail}
 * @param proxyThreads      of those, the fault proxies' (testkit, in this JVM; a cached pool, so they come and go)
 * @param heapAfterGcBytes  heap used after two {@code System.gc()}
 * @param fds               open file descriptors of this JVM ({@code /proc/self/fd})
 * @param sessions          sessions of the application's account on each server (processlist)
 * @param poolConnections   HikariCP's total connections
 */
record Sample(int afterSwitches, double elapsedSeconds, int threads, int stickyfailThreads, int proxyThreads,
              long heapAfterGcBytes, int fds, int[] sessions, int poolConnections, String loadAverage) {

    static final String CSV_HEADER = "switches,elapsed_s,threads,stickyfail_threads,proxy_threads,heap_after_gc_mb,fds,"
            + "sessions_db0,sessions_db1,pool_connections,load_average";

    double heapMb() {
        return heapAfterGcBytes / 1024.0 / 1024.0;
    }

    int sessionsTotal() {
        int sum = 0;
        for (int s : sessions) {
            sum += Math.max(0, s);
        }
        return sum;
    }

    String csv() {
        return String.format(Locale.ROOT, "%d,%.1f,%d,%d,%d,%.2f,%d,%d,%d,%d,%s", afterSwitches, elapsedSeconds, threads,
                stickyfailThreads, proxyThreads, heapMb(), fds, sessions[0], sessions.length > 1 ? sessions[1] : -1,
                poolConnections, loadAverage.replace(' ', '/'));
    }

    static Sample parse(String line) {
        String[] f = line.split(",");
        return new Sample(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                Integer.parseInt(f[4]), Math.round(Double.parseDouble(f[5]) * 1024 * 1024), Integer.parseInt(f[6]),
                new int[] {Integer.parseInt(f[7]), Integer.parseInt(f[8])}, Integer.parseInt(f[9]),
                f.length > 10 ? f[10].replace('/', ' ') : "?");
    }
}
