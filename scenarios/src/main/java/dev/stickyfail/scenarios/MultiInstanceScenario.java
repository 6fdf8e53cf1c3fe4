package dev.stickyfail.scenarios;

import dev.stickyfail.testkit.FaultProxy;
import dev.stickyfail.testkit.ServerGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Three application instances, each in its own JVM with an embedded Hazelcast member, share one decision over two
 * real MariaDB masters. Each instance reaches the servers through proxies of its own (same names, its own loopback
 * address), so one instance can be cut off alone. A fault is applied, and the rows each server holds afterwards are
 * checked against what every write's caller was told.
 */
public final class MultiInstanceScenario implements AutoCloseable {

    /** What happens. */
    public enum Fault {
        /** The primary is killed: every instance sees it. */
        KILL,
        /** One instance alone loses its path to the primary; the others still reach it. */
        CUT_ONE,
        /** One instance is paused (SIGSTOP) while another instance switches everybody; then it resumes. */
        PAUSE_ONE,
        /** The primary is killed, every instance switches, the primary comes back, then one instance is restarted. */
        RESTART_ONE,
        /** As {@link #RESTART_ONE}, but all three instances stop, and start again from their state files. */
        RESTART_ALL,
        /**
         * An operator switches every instance to the backup while both servers are healthy, then each instance is
         * restarted in turn, twice, under load: the decision, and every write reported committed, must survive.
         */
        ROLLING
    }

    /** What a run showed. */
    public record Result(Fault fault, Map<String, Map<String, Long>> failuresByInstance, long writes,
                         long rowsOnOldAfterFirstOnNew, List<String> misreported, List<String> lost,
                         Map<String, String> finalStatus, long faultToAllOnBackupMillis, long faultToFirstOnBackupMillis,
                         List<Long> restartToWritingMillis, boolean replicationHealthy) {

        /**
         * The guarantees: nothing on the old server after the first write on the new one but reported in-flight
         * writes, every write reported committed is on the servers, and every instance ends on the backup.
         */
        public boolean passed() {
            return misreported.isEmpty() && lost.isEmpty() && replicationHealthy
                    && finalStatus.values().stream().allMatch(s -> s.contains("active=db1:"));
        }
    }

    private static final String TABLE = "multi_instance";

    private final Path dir;
    private final ServerGroup group;
    private final List<FaultProxy> proxies = new ArrayList<>();
    private final List<InstanceProcess> instances = new ArrayList<>();
    private final List<InstanceProcess> launched = new ArrayList<>();
    private final List<Path> hostsFiles = new ArrayList<>();
    private final List<Map<String, String>> instanceArgs = new ArrayList<>();
    private final int[] generations = new int[3];
    private final Map<String, Map<Long, String>> outcomes = new LinkedHashMap<>();
    private final List<Long> restartMillis = new ArrayList<>();
    private final boolean shared;
    private final FaultProxy[][] byInstance = new FaultProxy[3][2];
    private final int[] serverPorts = new int[2];
    private long startupMillis;

    /** From starting the three JVMs to each having written through stickyfail (CP Subsystem formed, decision shared). */
    public long startupMillis() {
        return startupMillis;
    }

    /** Three instances sharing one decision through Hazelcast. */
    public MultiInstanceScenario(Path dir) {
        this(dir, true);
    }

    /**
     * @param shared false for the contrast: each instance decides alone, with a state file of its own (what three
     *               instances did before the shared decision, and what peered HAProxy instances do)
     */
    public MultiInstanceScenario(Path dir, boolean shared) {
        this.dir = dir;
        this.shared = shared;
        this.group = ServerGroup.start(2);
    }

    private String server(int i) {
        return "db" + i + ":" + serverPorts[i];
    }

    /** Starts three instances and waits until each has written; {@code lease} is stickyfail.lease. */
    public void start(Duration lease, int writersPerInstance, int ratePerInstance) throws IOException, SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
            st.execute("CREATE TABLE " + TABLE + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, origin INT NOT NULL, "
                    + "ts TIMESTAMP(6) NOT NULL, instance VARCHAR(16) NOT NULL, seq BIGINT NOT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        serverPorts[0] = FaultProxy.freePort();
        serverPorts[1] = FaultProxy.freePort();
        int[] hz = {FaultProxy.freePort(), FaultProxy.freePort(), FaultProxy.freePort()};
        for (int i = 0; i < 3; i++) {
            String address = "127.0.0." + (11 + i);
            for (int s = 0; s < 2; s++) {
                byInstance[i][s] = FaultProxy.startOn(address, serverPorts[s], group.server(s));
                proxies.add(byInstance[i][s]);
            }
            Path hosts = dir.resolve("hosts-" + i);
            Files.writeString(hosts, address + " db0\n" + address + " db1\n");
            Path member = dir.resolve("member-" + i + ".yaml");
            Files.writeString(member, String.join("\n",
                    "hazelcast:",
                    "  cluster-name: stickyfail-multi-" + ProcessHandle.current().pid(),
                    "  network:",
                    "    port:",
                    "      auto-increment: false",
                    "      port: " + hz[i],
                    "    interfaces:",
                    "      enabled: true",
                    "      interfaces:",
                    "        - 127.0.0.1",
                    "    join:",
                    "      auto-detection:",
                    "        enabled: false",
                    "      multicast:",
                    "        enabled: false",
                    "      tcp-ip:",
                    "        enabled: true",
                    "        member-list:",
                    "          - 127.0.0.1:" + hz[0],
                    "          - 127.0.0.1:" + hz[1],
                    "          - 127.0.0.1:" + hz[2],
                    "  cp-subsystem:",
                    "    cp-member-count: 3",
                    ""));
            String url = "jdbc:stickyfail:mysql://" + server(0) + "," + server(1) + "/" + group.database()
                    + "?stickyfail.group=multi"
                    + (shared ? "&stickyfail.store=hazelcast&stickyfail.hazelcast.config=" + member
                            + "&stickyfail.lease=" + lease.toMillis() + "ms" : "")
                    + "&stickyfail.checkUser=" + group.probeUser() + "&stickyfail.checkPassword=" + group.probePassword()
                    + "&stickyfail.stateFile=" + dir.resolve("state-" + i);
            Map<String, String> args = new LinkedHashMap<>();
            args.put("url", url);
            args.put("user", group.appUser());
            args.put("password", group.appPassword());
            args.put("table", TABLE);
            args.put("writers", Integer.toString(writersPerInstance));
            args.put("rate", Integer.toString(ratePerInstance));
            hostsFiles.add(hosts);
            instanceArgs.add(args);
            instances.add(null);
        }
        startupMillis = startAll();
    }

    private long startAll() throws IOException {
        long startedAt = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            instances.set(i, launch(i));
        }
        for (InstanceProcess p : instances) {
            p.await("READY", 180);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    private InstanceProcess launch(int i) throws IOException {
        // each run of an instance writes under a name of its own: its sequence numbers start again at 1
        String name = "app" + i + (generations[i] == 0 ? "" : "-r" + generations[i]);
        generations[i]++;
        InstanceProcess p = InstanceProcess.start(name, dir, hostsFiles.get(i), instanceArgs.get(i));
        launched.add(p);
        return p;
    }

    private void stop(int i) throws IOException {
        InstanceProcess p = instances.get(i);
        outcomes.put(p.name(), p.stop());
    }

    /** Stops instance {@code i} gracefully and starts it again; returns once it has written. */
    private void restart(int i) throws IOException {
        stop(i);
        long t0 = System.nanoTime();
        InstanceProcess p = launch(i);
        instances.set(i, p);
        p.await("READY", 180);
        restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * What an operator waits for between two restarts: every instance holds its lease and its embedded member is a
     * CP member of a cluster of three again, so that stopping the next one leaves a majority.
     */
    private void awaitWhole(String backup) {
        waitUntil(Duration.ofSeconds(120), () -> instances.stream().map(this::status).allMatch(st ->
                st.contains("lease=true")
                        && (!shared || st.contains("active=" + backup) && st.contains("CP member, cluster of 3"))));
    }

    /** Applies the fault, lets the run go on, and audits. */
    public Result run(Fault fault, Duration before, Duration after) throws Exception {
        pace(before);
        long faultAt = System.nanoTime();
        long faultWallMillis = System.currentTimeMillis();
        String backup = server(1);
        switch (fault) {
            case KILL, RESTART_ONE, RESTART_ALL -> group.server(0).kill();
            case CUT_ONE -> byInstance[2][0].blackhole();
            case PAUSE_ONE -> {
                instances.get(2).signal("STOP");
                operatorSwitch(instances.get(0), backup);
            }
            case ROLLING -> operatorSwitch(instances.get(0), backup);
        }
        // instances that decide alone may never all get there: that is what the contrast shows
        boolean allThere = reached(shared ? Duration.ofSeconds(60) : Duration.ofSeconds(15), () -> instances.stream()
                .filter(p -> !(fault == Fault.PAUSE_ONE && p == instances.get(2)))
                .allMatch(p -> status(p).contains("active=" + backup)));
        if (shared && !allThere) {
            throw new IllegalStateException("not every instance was on the backup within 60 s");
        }
        long allOnBackup = allThere ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultAt) : -1;
        if (fault == Fault.PAUSE_ONE) {
            pace(after);
            instances.get(2).signal("CONT");
            long resumed = System.nanoTime();
            waitUntil(Duration.ofSeconds(60), () -> (!shared || status(instances.get(2)).contains("active=" + backup))
                    && status(instances.get(2)).contains("lease=true"));
            restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed));
        }
        if (fault == Fault.KILL || fault == Fault.RESTART_ONE || fault == Fault.RESTART_ALL) {
            group.server(0).start(); // back: nothing may move
        }
        byInstance[2][0].passThrough();
        switch (fault) {
            case RESTART_ONE -> {
                pace(after);
                restart(1);
            }
            case RESTART_ALL -> {
                pace(after);
                for (int i = 0; i < 3; i++) {
                    stop(i);
                }
                restartMillis.add(startAll());
            }
            case ROLLING -> {
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < 3; i++) {
                        awaitWhole(backup);
                        restart(i);
                    }
                }
            }
            default -> {
            }
        }
        pace(after);
        // a paused or restarted instance confirms its lease within seconds; the status is read once it has
        waitUntil(Duration.ofSeconds(60), () -> instances.stream().allMatch(p -> status(p).contains("lease=true")));
        Map<String, String> finalStatus = new LinkedHashMap<>();
        for (InstanceProcess p : instances) {
            finalStatus.put(p.name(), status(p));
        }
        for (int i = 0; i < 3; i++) {
            stop(i);
        }
        boolean healthy;
        try {
            group.heal(Duration.ofSeconds(120));
            group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
            group.assertReplicationHealthy();
            healthy = true;
        } catch (AssertionError | RuntimeException e) {
            System.err.println("replication after the run: " + e.getMessage());
            healthy = false;
        }
        return audit(fault, finalStatus, allOnBackup, faultWallMillis, healthy);
    }

    private Result audit(Fault fault, Map<String, String> finalStatus, long allOnBackup, long faultWallMillis,
                         boolean healthy) throws SQLException {
        long oldId = group.server(0).serverId();
        long newId = group.server(1).serverId();
        String firstOnNewTs;
        long firstOnNew;
        try (Connection c = group.adminConnection(1); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT MIN(ts), ROUND(UNIX_TIMESTAMP(MIN(ts)) * 1000) FROM " + TABLE
                     + " WHERE origin = " + newId)) {
            rs.next();
            firstOnNewTs = rs.getString(1);
            firstOnNew = firstOnNewTs == null ? -1 : rs.getLong(2) - faultWallMillis;
        }
        if (firstOnNewTs == null) {
            firstOnNewTs = "9999-12-31"; // nothing on the new server: nothing on the old one came after it
        }
        long late = 0;
        List<String> misreported = new ArrayList<>();
        // asked of the old server itself: when replication broke, the backup lacks what the old server took
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT instance, seq FROM " + TABLE + " WHERE origin = " + oldId
                     + " AND ts >= '" + firstOnNewTs + "'")) {
            while (rs.next()) {
                late++;
                String told = outcomes.getOrDefault(rs.getString(1), Map.of()).get(rs.getLong(2));
                if (!"08007".equals(told)) {
                    misreported.add(rs.getString(1) + " write " + rs.getLong(2) + " landed on the old server after the "
                            + "first write on the new one; its caller was told " + told);
                }
            }
        }
        Set<String> present = new HashSet<>();
        for (int server = 0; server < 2; server++) {
            try (Connection c = group.adminConnection(server); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT instance, seq FROM " + TABLE)) {
                while (rs.next()) {
                    present.add(rs.getString(1) + "/" + rs.getLong(2));
                }
            }
        }
        List<String> lost = new ArrayList<>();
        outcomes.forEach((instance, byWrite) -> byWrite.forEach((seq, told) -> {
            if (told.equals("OK") && !present.contains(instance + "/" + seq)) {
                lost.add(instance + " write " + seq + " was reported committed and is on neither server");
            }
        }));
        Map<String, Map<String, Long>> failures = new LinkedHashMap<>();
        long writes = 0;
        for (Map.Entry<String, Map<Long, String>> e : outcomes.entrySet()) {
            Map<String, Long> f = new HashMap<>();
            for (String o : e.getValue().values()) {
                writes++;
                if (!o.equals("OK")) {
                    f.merge(o, 1L, Long::sum);
                }
            }
            failures.put(e.getKey(), f);
        }
        return new Result(fault, failures, writes, late, misreported, lost, finalStatus, allOnBackup, firstOnNew,
                List.copyOf(restartMillis), healthy);
    }

    /**
     * An operator's {@code switchTo}, repeated while it fails: when the paused instance's member led the CP group, the
     * store cannot take the switch until the group has a new leader, and the call says so instead of switching.
     */
    private static void operatorSwitch(InstanceProcess p, String target) {
        waitUntil(Duration.ofSeconds(60), () -> {
            try {
                p.command("switchTo " + target, "OK", 120);
                return true;
            } catch (IllegalStateException notMade) {
                System.err.println("switchTo " + target + " on " + p.name() + ": " + notMade.getMessage() + "; again");
                return false;
            }
        });
    }

    private String status(InstanceProcess p) {
        return p.command("status", "STATUS", 30);
    }

    private static void pace(Duration d) {
        LockSupport.parkNanos(d.toNanos()); // the workload runs meanwhile: this is the run's length, not a synchronisation
    }

    private static void waitUntil(Duration max, BooleanSupplier condition) {
        if (!reached(max, condition)) {
            throw new IllegalStateException("not reached within " + max.toSeconds() + " s");
        }
    }

    private static boolean reached(Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        return true;
    }

    public List<Path> logs() {
        return launched.stream().map(InstanceProcess::log).toList();
    }

    @Override
    public void close() {
        launched.forEach(InstanceProcess::close);
        proxies.forEach(FaultProxy::close);
        group.close();
    }
}
