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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Application instances, each in its own JVM with a HikariCP pool, share one decision over two real MariaDB masters
 * (db0 the primary, db1 the backup): through embedded Hazelcast members (three instances), or as clients of three
 * standalone members (any number). Each instance reaches the servers through proxies of its own (same names, its own
 * loopback address), so one instance can be cut off alone. A fault is applied, and the rows each server holds
 * afterwards are checked against what every write's caller was told and when it sent it ({@link FleetAudit}).
 *
 * <p>Roles: instance 0 is the operator's (it calls {@code switchTo}), instance 1 runs the statement that waits for a
 * lock, the last instance is the one cut off or paused, and the one that made the decision in force is lost with the
 * primary's host.
 */
public final class MultiInstanceScenario implements AutoCloseable {

    /** What happens. */
    public enum Fault {
        /** The primary is killed: every instance sees it. */
        KILL,
        /** One instance alone loses its path to the primary; the others still reach it. */
        CUT_ONE,
        /**
         * One instance is paused (SIGSTOP) with a transaction open while an operator switches every other instance
         * away from a primary that stays up (reachable), for longer than the lease; then it resumes and tries to
         * commit.
         */
        PAUSE_ONE,
        /** The primary is killed, every instance switches, the primary comes back, then one instance is restarted. */
        RESTART_ONE,
        /** As {@link #RESTART_ONE}, but every instance stops, and they start again from their state files. */
        RESTART_ALL,
        /**
         * An operator switches every instance to the backup while both servers are healthy, then each instance is
         * restarted in turn, twice, under load: the decision, and every write reported committed, must survive.
         */
        ROLLING,
        /**
         * One host lost: the primary and the instance that made the decision in force (the last one if none can be
         * told) are killed together. The others must write on the backup once the lost instance's lease has run out,
         * without waiting for the primary to return (it returns only after they do). Losing the decider is the hard
         * case: the others follow its decision, and a follower holds a decision another instance made for a
         * hold-down before it proposes to leave it.
         */
        ONE_HOST_LOST,
        /**
         * An autocommit UPDATE of instance 1 waits on the primary for a row lock another session holds, while an
         * operator switches everybody to the backup; then the lock is released. The UPDATE must not commit on the
         * primary, and its caller is told a connection-class SQLState.
         */
        LOCK_WAIT,
        /** The primary hangs (SIGSTOP): every instance's connections to it stay open and get no answer. */
        FREEZE,
        /** The primary is cut off from every instance (their proxies swallow every byte); it stays up behind. */
        BLACKHOLE;

        /** {@code one-host-lost}: the option's spelling. */
        public String option() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * Whether the fault hangs the primary, so that what it had already received runs when it wakes, after the
         * backup's first write (the limit no client can close; such rows are exempt from the audit if their write
         * began before the fault). Only {@link #FREEZE} does; otherwise the primary is killed, or stays up and is
         * fenced, or is cut off (the bytes are swallowed).
         */
        boolean hangsPrimary() {
            return this == FREEZE;
        }
    }

    /**
     * How the fleet is set up.
     *
     * @param instances     application instances (JVMs)
     * @param shared        one decision in Hazelcast; false: each instance decides alone with a state file (the
     *                      contrast: what peered HAProxy instances do)
     * @param clients       the instances are Hazelcast clients of three standalone members; false: each instance is
     *                      an embedded member (then there must be three)
     * @param fenceReadOnly {@code stickyfail.fenceReadOnly=true} with the servers' root as {@code fenceUser}
     * @param lease         {@code stickyfail.lease}
     * @param writers       writer threads per instance
     * @param rate          writes per second per instance
     */
    public record Options(int instances, boolean shared, boolean clients, boolean fenceReadOnly, Duration lease,
                          int writers, int rate) {

        public Options {
            if (instances < 3) {
                throw new IllegalArgumentException("at least 3 instances (the faults need an operator, a lock waiter "
                        + "and one instance to cut off, pause or lose), was " + instances);
            }
            if (shared && !clients && instances != 3) {
                throw new IllegalArgumentException("embedded members: exactly 3 instances (cp-member-count 3); use "
                        + "clients of the standalone members for " + instances);
            }
        }

        /** Three instances with embedded members, 3 s lease, 2 writers at 40 writes/s each. */
        public static Options defaults() {
            return new Options(3, true, false, false, Duration.ofSeconds(3), 2, 40);
        }

        public Options withInstances(int n) {
            return new Options(n, shared, clients || n != 3, fenceReadOnly, lease, writers, rate);
        }

        public Options withShared(boolean s) {
            return new Options(instances, s, clients, fenceReadOnly, lease, writers, rate);
        }

        public Options withClients(boolean c) {
            return new Options(instances, shared, c, fenceReadOnly, lease, writers, rate);
        }

        public Options withFenceReadOnly(boolean f) {
            return new Options(instances, shared, clients, f, lease, writers, rate);
        }

        public Options withLease(Duration l) {
            return new Options(instances, shared, clients, fenceReadOnly, l, writers, rate);
        }

        /** {@code shared, 3 embedded} and the like, for reports. */
        public String describe() {
            return (shared ? "shared" : "alone") + ", " + instances + (shared ? clients ? " clients" : " embedded" : "")
                    + (fenceReadOnly ? ", fenceReadOnly" : "") + (shared ? ", lease " + lease.toMillis() + " ms" : "");
        }
    }

    static final String TABLE = "multi_instance";
    static final String LOCK_TABLE = "lock_row";
    /** The statement that waits for the row lock in {@link Fault#LOCK_WAIT}. */
    static final String LOCK_UPDATE = "UPDATE " + LOCK_TABLE + " SET v = v + 1 WHERE id = 1";

    private final Path dir;
    private final Options options;
    private final ServerGroup group;
    private final List<FaultProxy> proxies = new ArrayList<>();
    private final List<InstanceProcess> instances = new ArrayList<>();
    private final List<InstanceProcess> launched = new ArrayList<>();
    private final List<Path> hostsFiles = new ArrayList<>();
    private final List<Map<String, String>> instanceArgs = new ArrayList<>();
    private final int[] generations;
    private final Map<String, InstanceRecord> records = new LinkedHashMap<>();
    private final List<Long> restartMillis = new ArrayList<>();
    private final FaultProxy[][] byInstance;
    private final int[] serverPorts = new int[2];
    private StandaloneCluster cluster;
    private long startupMillis;
    private int startedOnBackup;

    /** Three instances sharing one decision through embedded Hazelcast members, lease 3 s. */
    public MultiInstanceScenario(Path dir) {
        this(dir, Options.defaults());
    }

    /** Three instances, sharing one decision or each deciding alone. */
    public MultiInstanceScenario(Path dir, boolean shared) {
        this(dir, Options.defaults().withShared(shared));
    }

    public MultiInstanceScenario(Path dir, Options options) {
        this.dir = dir;
        this.options = options;
        this.generations = new int[options.instances()];
        this.byInstance = new FaultProxy[options.instances()][2];
        this.group = ServerGroup.start(2);
    }

    public Options options() {
        return options;
    }

    /** From starting the instances' JVMs to each having written through stickyfail (CP Subsystem formed). */
    public long startupMillis() {
        return startupMillis;
    }

    private String server(int i) {
        return "db" + i + ":" + serverPorts[i];
    }

    private int last() {
        return options.instances() - 1;
    }

    /** Starts the instances (and the standalone members they join, for clients) and waits until each has written. */
    public void start() throws IOException, SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
            st.execute("CREATE TABLE " + TABLE + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, origin INT NOT NULL, "
                    + "ts TIMESTAMP(6) NOT NULL, instance VARCHAR(16) NOT NULL, seq BIGINT NOT NULL)");
            st.execute("DROP TABLE IF EXISTS " + LOCK_TABLE);
            st.execute("CREATE TABLE " + LOCK_TABLE + " (id INT PRIMARY KEY, v INT NOT NULL)");
            st.execute("INSERT INTO " + LOCK_TABLE + " VALUES (1, 0)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        serverPorts[0] = FaultProxy.freePort();
        serverPorts[1] = FaultProxy.freePort();
        String clusterName = "stickyfail-multi-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        if (options.shared() && options.clients()) {
            cluster = StandaloneCluster.start(dir, clusterName);
        }
        int[] hz = new int[options.instances()];
        for (int i = 0; i < hz.length; i++) {
            hz[i] = FaultProxy.freePort();
        }
        for (int i = 0; i < options.instances(); i++) {
            String address = "127.0.0." + (11 + i);
            for (int s = 0; s < 2; s++) {
                byInstance[i][s] = FaultProxy.startOn(address, serverPorts[s], group.server(s));
                proxies.add(byInstance[i][s]);
            }
            Path hosts = dir.resolve("hosts-" + i);
            Files.writeString(hosts, address + " db0\n" + address + " db1\n");
            String store = "";
            if (options.shared()) {
                String source = cluster != null
                        ? "stickyfail.hazelcast.clientConfig=" + cluster.clientConfig()
                        : "stickyfail.hazelcast.config=" + memberFile(i, hz, clusterName);
                store = "&stickyfail.store=hazelcast&" + source + "&stickyfail.lease=" + options.lease().toMillis() + "ms";
            }
            String url = "jdbc:stickyfail:mysql://" + server(0) + "," + server(1) + "/" + group.database()
                    + "?stickyfail.group=multi" + store
                    + "&stickyfail.checkUser=" + group.probeUser() + "&stickyfail.checkPassword=" + group.probePassword()
                    + (options.fenceReadOnly() ? "&stickyfail.fenceReadOnly=true&stickyfail.fenceUser="
                            + group.rootUser() + "&stickyfail.fencePassword=" + group.rootPassword() : "")
                    + "&stickyfail.stateFile=" + dir.resolve("state-" + i);
            Map<String, String> args = new LinkedHashMap<>();
            args.put("url", url);
            args.put("user", group.appUser());
            args.put("password", group.appPassword());
            args.put("table", TABLE);
            args.put("writers", Integer.toString(options.writers()));
            args.put("rate", Integer.toString(options.rate()));
            hostsFiles.add(hosts);
            instanceArgs.add(args);
            instances.add(null);
        }
        startupMillis = startAll();
        awaitOnPrimary();
    }

    /**
     * The runs begin with every instance writing on db0. Under load the first decision can be db1: a JVM that starts
     * while db0's first probes are slow sees db1 up first and decides for it (HAProxy would start on db0: it takes
     * every server for up until its checks say otherwise). An operator then switches back, as here; the number of
     * such starts is reported ({@link #startedOnBackup()}).
     */
    private void awaitOnPrimary() {
        String primary = server(0);
        Map<String, String> first = new LinkedHashMap<>();
        for (InstanceProcess p : instances) {
            first.put(p.name(), status(p));
        }
        if (first.values().stream().anyMatch(st -> !st.contains("active=" + primary))) {
            startedOnBackup++;
            System.err.println("the fleet's first decision was not " + primary + ": " + first + "; switching to it");
            for (InstanceProcess p : options.shared() ? List.of(instances.get(0)) : instances) {
                if (!status(p).contains("active=" + primary)) {
                    operatorSwitch(p, primary);
                }
            }
        }
        waitUntil(Duration.ofSeconds(120), () -> instances.stream().map(this::status)
                .allMatch(st -> st.contains("active=" + primary) && st.contains("lease=true")));
        long since = System.currentTimeMillis();
        waitUntil(Duration.ofSeconds(60), () -> FleetAudit.firstOn(group, 0, TABLE, since).size() == instances.size());
    }

    /** How many starts found the fleet's first decision on db1 (0 or 1 per scenario). */
    public int startedOnBackup() {
        return startedOnBackup;
    }

    private Path memberFile(int i, int[] hz, String clusterName) throws IOException {
        return Files.writeString(dir.resolve("member-" + i + ".yaml"), StandaloneCluster.memberYaml(clusterName, i, hz));
    }

    private long startAll() throws IOException {
        long startedAt = System.nanoTime();
        for (int i = 0; i < options.instances(); i++) {
            instances.set(i, launch(i));
        }
        for (InstanceProcess p : instances) {
            p.await("READY", 240);
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
        records.put(p.name(), p.stop());
    }

    /** Stops instance {@code i} gracefully and starts it again; returns once it has written. */
    private void restart(int i) throws IOException {
        stop(i);
        long t0 = System.nanoTime();
        InstanceProcess p = launch(i);
        instances.set(i, p);
        p.await("READY", 240);
        restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * What an operator waits for between two restarts: every instance holds its lease and, with embedded members, its
     * member is a CP member of a cluster of three again, so that stopping the next one leaves a majority.
     */
    private void awaitWhole(String backup) {
        waitUntil(Duration.ofSeconds(120), () -> instances.stream().map(this::status).allMatch(st ->
                st.contains("lease=true") && (!options.shared() || st.contains("active=" + backup)
                        && (options.clients() || st.contains("CP member, cluster of 3")))));
    }

    /** Applies the fault, lets the run go on, and audits. */
    public Result run(Fault fault, Duration before, Duration after) throws Exception {
        String backup = server(1);
        int paused = fault == Fault.PAUSE_ONE ? last() : -1;
        int lost = fault == Fault.ONE_HOST_LOST ? decider() : -1;
        FleetAudit.Moments moments = new FleetAudit.Moments();
        pace(before);
        Connection lockHolder = null;
        switch (fault) {
            case PAUSE_ONE -> instances.get(paused).command("hold", "OK held", 30);
            case LOCK_WAIT -> lockHolder = holdRowLockOnPrimary();
            default -> {
            }
        }
        long pausedAt = 0;
        if (fault == Fault.PAUSE_ONE) {
            instances.get(paused).signal("STOP");
            pausedAt = System.nanoTime();
        }
        moments.faultNanos = System.nanoTime();
        moments.faultWallMillis = System.currentTimeMillis();
        switch (fault) {
            case KILL, RESTART_ONE, RESTART_ALL -> group.server(0).kill();
            case ONE_HOST_LOST -> {
                group.server(0).kill();
                instances.get(lost).kill();
            }
            case CUT_ONE -> byInstance[last()][0].blackhole();
            case FREEZE -> group.server(0).freeze();
            case BLACKHOLE -> {
                for (FaultProxy[] proxies : byInstance) {
                    proxies[0].blackhole();
                }
            }
            case PAUSE_ONE, ROLLING, LOCK_WAIT -> operatorSwitch(instances.get(0), backup);
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < options.instances(); i++) {
            if (i != paused && i != lost) {
                expected.add(i);
            }
        }
        // instances that decide alone may never all get there: that is what the contrast shows
        Duration bound = options.shared() ? Duration.ofSeconds(60) : Duration.ofSeconds(15);
        boolean allDecided = reached(bound, () -> expected.stream()
                .allMatch(i -> status(instances.get(i)).contains("active=" + backup)));
        moments.allDecidedNanos = allDecided ? System.nanoTime() : -1;
        // the primary stays down (one host lost) until the others write on the backup: they must not wait for it
        reached(bound, () -> writingOnBackup(expected, moments.faultWallMillis));
        String lockOutcome = null;
        if (fault == Fault.LOCK_WAIT) {
            lockHolder.rollback(); // the lock is released: an UPDATE still waiting on db0 would now commit there
            lockHolder.close();
            lockOutcome = instances.get(1).command("lockresult", "OK lockresult", 90).substring("OK lockresult ".length());
        }
        String heldOutcome = null;
        if (fault == Fault.PAUSE_ONE) {
            // paused longer than the lease, and at least until the others write on the backup
            pace(Duration.ofNanos(Math.max(0, options.lease().plusSeconds(2).toNanos() - (System.nanoTime() - pausedAt))));
            instances.get(paused).signal("CONT");
            moments.resumedNanos = System.nanoTime();
            moments.resumedWallMillis = System.currentTimeMillis();
            heldOutcome = instances.get(paused).command("release", "OK released", 90).split(" ", 4)[3];
            waitUntil(Duration.ofSeconds(60), () -> (!options.shared()
                    || status(instances.get(paused)).contains("active=" + backup))
                    && status(instances.get(paused)).contains("lease=true"));
            restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - moments.resumedNanos));
            reached(Duration.ofSeconds(60), () -> writingOnBackup(List.of(paused), moments.resumedWallMillis));
        }
        if (fault == Fault.KILL || fault == Fault.RESTART_ONE || fault == Fault.RESTART_ALL
                || fault == Fault.ONE_HOST_LOST) {
            group.server(0).start(); // back: nothing may move
        }
        if (fault == Fault.FREEZE) {
            group.server(0).thaw(); // what it had received runs now: exempt if begun before the fault
        }
        for (FaultProxy[] proxies : byInstance) {
            proxies[0].passThrough();
        }
        switch (fault) {
            case RESTART_ONE -> {
                pace(after);
                restart(1);
            }
            case RESTART_ALL -> {
                pace(after);
                for (int i = 0; i < options.instances(); i++) {
                    stop(i);
                }
                restartMillis.add(startAll());
            }
            case ROLLING -> {
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < options.instances(); i++) {
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
        List<InstanceProcess> alive = instances.stream().filter(InstanceProcess::isAlive).toList();
        waitUntil(Duration.ofSeconds(60), () -> alive.stream().allMatch(p -> status(p).contains("lease=true")));
        Map<String, String> finalStatus = new LinkedHashMap<>();
        for (InstanceProcess p : alive) {
            finalStatus.put(p.name(), status(p));
        }
        for (int i = 0; i < options.instances(); i++) {
            if (i == lost) {
                records.put(instances.get(i).name(), InstanceRecord.lost(instances.get(i).name()));
            } else {
                stop(i);
            }
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
        FleetAudit audit = new FleetAudit(group, TABLE, server(0), records, fault, options, moments, paused, lost);
        return audit.result(finalStatus, List.copyOf(restartMillis), healthy, lockOutcome, lockCommittedOnOld(fault),
                heldOutcome);
    }

    /** The instance that made the decision in force (its pid is in its instance id), or the last one. */
    private int decider() {
        String decidedBy = status(instances.get(0)).replaceAll(".* decidedBy=(\\S*).*", "$1");
        for (int i = 0; i < instances.size(); i++) {
            if (decidedBy.contains("/" + instances.get(i).pid() + "/")) {
                return i;
            }
        }
        return last();
    }

    /** A root session on db0 holds the lock row's lock; returns once instance 1's UPDATE waits for it there. */
    private Connection holdRowLockOnPrimary() throws SQLException {
        Connection c = group.adminConnection(0);
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.executeQuery("SELECT v FROM " + LOCK_TABLE + " WHERE id = 1 FOR UPDATE").close();
        }
        instances.get(1).command("lockwait " + LOCK_UPDATE, "OK lockwait", 30);
        waitUntil(Duration.ofSeconds(30), () -> {
            try (Connection a = group.adminConnection(0); Statement st = a.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '"
                         + group.appUser() + "' AND INFO = '" + LOCK_UPDATE + "'")) {
                return rs.next() && rs.getInt(1) == 1;
            } catch (SQLException e) {
                return false;
            }
        });
        return c;
    }

    /** Whether the lock row changed on db0: the UPDATE that waited for its lock committed there. */
    private boolean lockCommittedOnOld(Fault fault) throws SQLException {
        if (fault != Fault.LOCK_WAIT) {
            return false;
        }
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT v FROM " + LOCK_TABLE + " WHERE id = 1")) {
            rs.next();
            return rs.getInt(1) != 0;
        }
    }

    /** Whether each of {@code indexes} has a row on the backup since {@code sinceWallMillis}. */
    private boolean writingOnBackup(List<Integer> indexes, long sinceWallMillis) {
        Map<Integer, Long> first = FleetAudit.firstOn(group, 1, TABLE, sinceWallMillis);
        return indexes.stream().allMatch(first::containsKey);
    }

    /**
     * An operator's {@code switchTo}, repeated while it fails: when a paused instance's member led the CP group, the
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

    /** Every log: each instance's, and the standalone members'. */
    public List<Path> logs() {
        List<Path> all = new ArrayList<>(launched.stream().map(InstanceProcess::log).toList());
        if (cluster != null) {
            all.addAll(cluster.logs());
        }
        return all;
    }

    @Override
    public void close() {
        launched.forEach(InstanceProcess::close);
        if (cluster != null) {
            cluster.close();
        }
        proxies.forEach(FaultProxy::close);
        group.close();
    }

    /**
     * What a run showed.
     *
     * @param rowsOnOldAfterFirstOnNew rows db0 ran at or after db1's first row (server clocks)
     * @param lateOnOld          those not exempt (see {@link Fault#hangsPrimary()}): must be none
     * @param sentAfterSwitch    rows on db0 whose write began after its own instance had left db0 (its switch event):
     *                           must be none, whatever the caller was told
     * @param firstOnBackupMillis for each instance that was not lost, from the fault (the paused one: from its
     *                           resume) to its first row on db1; -1: none
     * @param unexpected08001    {@code 08001}s whose write did not overlap a span in which its instance had lost its
     *                           lease
     * @param lockWaitOutcome    {@link Fault#LOCK_WAIT}: what the waiting UPDATE's caller was told
     * @param lockWaitCommittedOnOld {@link Fault#LOCK_WAIT}: whether it committed on db0
     * @param heldOutcome        {@link Fault#PAUSE_ONE}: what the commit of the transaction held across the pause was
     *                           told
     */
    public record Result(Fault fault, String setup, Map<String, Map<String, Long>> failuresByInstance, long writes,
                         long rowsOnOldAfterFirstOnNew, List<String> lateOnOld, List<String> sentAfterSwitch,
                         List<String> lost, Map<String, String> finalStatus, long faultToAllDecidedMillis,
                         long faultToFirstOnBackupMillis, Map<String, Long> firstOnBackupMillis,
                         List<Long> restartToWritingMillis, List<String> unexpected08001, String lockWaitOutcome,
                         boolean lockWaitCommittedOnOld, String heldOutcome, boolean replicationHealthy) {

        /** From the fault until the last instance expected to (neither lost nor paused) wrote on db1; -1: never. */
        public long faultToAllWritingMillis() {
            return firstOnBackupMillis.entrySet().stream().filter(e -> !e.getKey().endsWith("(resumed)"))
                    .mapToLong(Map.Entry::getValue).reduce(0, (a, b) -> a < 0 || b < 0 ? -1 : Math.max(a, b));
        }

        /**
         * The guarantees: nothing on the old server after the first write on the new one (nothing is exempt in these
         * faults), nothing sent there after its sender left it, every write reported committed is on the servers,
         * every live instance writes on the backup and ends there, no 08001 outside a lease loss, and the statement
         * that waited for a lock did not commit on the old server.
         */
        public boolean passed() {
            return lateOnOld.isEmpty() && sentAfterSwitch.isEmpty() && lost.isEmpty() && replicationHealthy
                    && unexpected08001.isEmpty() && !lockWaitCommittedOnOld
                    && firstOnBackupMillis.values().stream().allMatch(v -> v >= 0)
                    && finalStatus.values().stream().allMatch(s -> s.contains("active=db1:"));
        }

        /** Per instance first write on the backup, in order, e.g. {@code app0=412, app1=398}. */
        public String firstOnBackupSummary() {
            return new TreeMap<>(firstOnBackupMillis).toString();
        }

        public Optional<String> lockWait() {
            return Optional.ofNullable(lockWaitOutcome);
        }
    }
}
