package dev.stickyfail.samples.multi;

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
        PAUSE_ONE
    }

    /** What a run showed. */
    public record Result(Fault fault, Map<String, Map<String, Long>> failuresByInstance, long writes,
                         long rowsOnOldAfterFirstOnNew, List<String> misreported, Map<String, String> finalStatus,
                         long faultToAllOnBackupMillis, boolean replicationHealthy) {

        /** The guarantees: nothing on the old server after the first write on the new one but reported in-flight writes. */
        public boolean passed() {
            return misreported.isEmpty() && replicationHealthy
                    && finalStatus.values().stream().allMatch(s -> s.contains("active=db1:"));
        }
    }

    private static final String TABLE = "multi_instance";

    private final Path dir;
    private final ServerGroup group;
    private final List<FaultProxy> proxies = new ArrayList<>();
    private final List<InstanceProcess> instances = new ArrayList<>();
    private final FaultProxy[][] byInstance = new FaultProxy[3][2];
    private final int[] serverPorts = new int[2];
    private long startupMillis;

    /** From starting the three JVMs to each having written through stickyfail (CP Subsystem formed, decision shared). */
    public long startupMillis() {
        return startupMillis;
    }

    public MultiInstanceScenario(Path dir) {
        this.dir = dir;
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
                    + "?stickyfail.store=hazelcast&stickyfail.hazelcast.config=" + member
                    + "&stickyfail.lease=" + lease.toMillis() + "ms&stickyfail.group=multi"
                    + "&stickyfail.checkUser=" + group.probeUser() + "&stickyfail.checkPassword=" + group.probePassword()
                    + "&stickyfail.stateFile=" + dir.resolve("state-" + i);
            Map<String, String> args = new LinkedHashMap<>();
            args.put("url", url);
            args.put("user", group.appUser());
            args.put("password", group.appPassword());
            args.put("table", TABLE);
            args.put("writers", Integer.toString(writersPerInstance));
            args.put("rate", Integer.toString(ratePerInstance));
            instances.add(InstanceProcess.start("app" + i, dir, hosts, args));
        }
        long startedAt = System.nanoTime();
        for (InstanceProcess p : instances) {
            p.await("READY", 180);
        }
        startupMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    /** Applies the fault, lets the run go on, and audits. */
    public Result run(Fault fault, Duration before, Duration after) throws Exception {
        pace(before);
        long faultAt = System.nanoTime();
        String backup = server(1);
        switch (fault) {
            case KILL -> group.server(0).kill();
            case CUT_ONE -> byInstance[2][0].blackhole();
            case PAUSE_ONE -> {
                instances.get(2).signal("STOP");
                instances.get(0).command("switchTo " + backup, "OK", 120);
            }
        }
        waitUntil(Duration.ofSeconds(60), () -> instances.stream()
                .filter(p -> !(fault == Fault.PAUSE_ONE && p == instances.get(2)))
                .allMatch(p -> status(p).contains("active=" + backup)));
        long allOnBackup = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultAt);
        if (fault == Fault.PAUSE_ONE) {
            pace(after);
            instances.get(2).signal("CONT");
            waitUntil(Duration.ofSeconds(60), () -> status(instances.get(2)).contains("active=" + backup)
                    && status(instances.get(2)).contains("lease=true"));
        }
        if (fault == Fault.KILL) {
            group.server(0).start(); // back: nothing may move
        }
        byInstance[2][0].passThrough();
        pace(after);
        Map<String, String> finalStatus = new LinkedHashMap<>();
        for (InstanceProcess p : instances) {
            finalStatus.put(p.name(), status(p));
        }
        Map<String, Map<Long, String>> outcomes = new LinkedHashMap<>();
        for (InstanceProcess p : instances) {
            outcomes.put(p.name(), p.stop());
        }
        group.heal(Duration.ofSeconds(120));
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
        boolean healthy;
        try {
            group.assertReplicationHealthy();
            healthy = true;
        } catch (AssertionError e) {
            healthy = false;
        }
        return audit(fault, outcomes, finalStatus, allOnBackup, healthy);
    }

    private Result audit(Fault fault, Map<String, Map<Long, String>> outcomes, Map<String, String> finalStatus,
                         long allOnBackup, boolean healthy) throws SQLException {
        long oldId = group.server(0).serverId();
        long newId = group.server(1).serverId();
        long late = 0;
        List<String> misreported = new ArrayList<>();
        try (Connection c = group.adminConnection(1); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT instance, seq FROM " + TABLE + " WHERE origin = " + oldId
                     + " AND ts >= (SELECT MIN(ts) FROM " + TABLE + " WHERE origin = " + newId + ")")) {
            while (rs.next()) {
                late++;
                String told = outcomes.getOrDefault(rs.getString(1), Map.of()).get(rs.getLong(2));
                if (!"08007".equals(told)) {
                    misreported.add(rs.getString(1) + " write " + rs.getLong(2) + " landed on the old server after the "
                            + "first write on the new one; its caller was told " + told);
                }
            }
        }
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
        return new Result(fault, failures, writes, late, misreported, finalStatus, allOnBackup, healthy);
    }

    private String status(InstanceProcess p) {
        return p.command("status", "STATUS", 30);
    }

    private static void pace(Duration d) {
        LockSupport.parkNanos(d.toNanos()); // the workload runs meanwhile: this is the run's length, not a synchronisation
    }

    private static void waitUntil(Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not reached within " + max.toSeconds() + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    public List<Path> logs() {
        return instances.stream().map(InstanceProcess::log).toList();
    }

    @Override
    public void close() {
        instances.forEach(InstanceProcess::close);
        proxies.forEach(FaultProxy::close);
        group.close();
    }
}
