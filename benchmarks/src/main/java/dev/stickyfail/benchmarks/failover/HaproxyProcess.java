package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.Timeline;
import dev.stickyfail.testkit.workload.TimelineEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real HAProxy process for one benchmark run: its own configuration and stats socket in a temporary directory,
 * in the foreground ({@code -db}), killed by {@link #close()} or, should the JVM end first, by a shutdown hook.
 * While it runs, the servers it marks up or down (its own log lines on stderr) and every move of its stick table's
 * entry (read on the stats socket every {@value #POLL_MILLIS} ms) go on the run's timeline. {@link #reload()}
 * reloads it as {@code haproxy -sf} does.
 */
final class HaproxyProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HaproxyProcess.class);

    /** The one line the benchmark prints when there is no HAProxy to run. */
    static final String INSTALL_HINT = "HAProxy contenders skipped: no haproxy binary on the PATH or in /usr/sbin; "
            + "install it with `sudo apt-get install -y haproxy` (Debian/Ubuntu) to include them";

    static final long POLL_MILLIS = 20;
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    private static final Pattern SERVER_STATE = Pattern.compile(
            "(?:Backup )?Server " + HaproxyConfig.BACKEND + "/(\\S+) is (UP|DOWN)(?:, reason: ([^,]+))?");
    private static final Pattern STICK_SERVER = Pattern.compile("server_(?:key|name)=(\\S+)");
    private static final Pattern STICK_SERVER_ID = Pattern.compile("server_id=(\\d+)");
    /** The peers section's resync flags in {@code show peers}, first line. */
    private static final Pattern PEERS_FLAGS = Pattern.compile("id=\\S+ disabled=\\d+ flags=0x([0-9a-fA-F]+)");
    /** HAProxy's PEERS_F_RESYNC_LOCAL(_FINISHED): the table was learnt from the local peer (the old process). */
    private static final long RESYNC_LOCAL_FINISHED = 0x1;

    private final Path binary;
    private final List<Process> processes = new ArrayList<>();
    private volatile Process process;
    private final Path dir;
    private final HaproxyConfig config;
    private final Timeline timeline;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stickWatcher;
    private final Thread shutdownHook;
    private volatile boolean closing;

    private HaproxyProcess(Path binary, Process process, Path dir, HaproxyConfig config, Timeline timeline) {
        this.binary = binary;
        this.dir = dir;
        this.config = config;
        this.timeline = timeline;
        this.shutdownHook = new Thread(this::killAll, "haproxy-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        adopt(process);
        this.stickWatcher = daemon("haproxy-stick-table", this::watchStickTable);
    }

    private void adopt(Process p) {
        synchronized (processes) {
            processes.add(p);
        }
        process = p;
        daemon("haproxy-stderr-" + p.pid(), () -> readStderr(p));
    }

    private void killAll() {
        synchronized (processes) {
            processes.forEach(Process::destroyForcibly);
        }
    }

    /** The {@code haproxy} binary: on the PATH, or in the sbin directories a non-root PATH may lack. */
    static Optional<Path> binary() {
        List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
        return dirs.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, "haproxy"))
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /** {@code 2.6.12-1+deb12u4}, from {@code haproxy -v}; {@code ?} if it cannot tell. */
    static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("version (\\S+)").matcher(out);
            return m.find() ? m.group(1) : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** A port nobody listens on right now, on 127.0.0.1. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Writes {@code config} to {@code dir/haproxy.cfg}, starts HAProxy on it and waits until its checks have passed
     * on every server. {@code dir} is deleted by {@link #close()}, also when the start fails.
     */
    static HaproxyProcess start(Path binary, Path dir, HaproxyConfig config, Timeline timeline, Duration readyWithin)
            throws SQLException {
        Path file = dir.resolve("haproxy.cfg");
        Process process;
        try {
            Files.writeString(file, config.text(), StandardCharsets.UTF_8);
            process = new ProcessBuilder(binary.toString(), "-db", "-f", file.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new SQLException("cannot start " + binary + " -db -f " + file + ": " + e.getMessage(), "08001", e);
        }
        HaproxyProcess haproxy = new HaproxyProcess(binary, process, dir, config, timeline);
        try {
            haproxy.awaitChecksPassed(readyWithin);
            return haproxy;
        } catch (SQLException | RuntimeException e) {
            haproxy.close();
            throw e;
        }
    }

    HaproxyConfig config() {
        return config;
    }

    long pid() {
        return process.pid();
    }

    /** What a reload did: the new process, and how long it took to learn the stick table from the old one. */
    record Reload(long pid, Optional<Duration> tableLearnt, String detail) {
    }

    /**
     * A reload as {@code haproxy -sf} does it: a new process on the same configuration takes over the listening
     * sockets and tells the old one to stop accepting; the old one serves the sessions it has until they end. With a
     * local peer, the old process teaches the new one its stick table; until it has, the new process routes new
     * connections with an empty table, to the first server that is up (what a reload under traffic can do in one run
     * of about a dozen: 70 writes to db0 in a test run). So this returns only once the new process answers on the
     * stats socket and, with a local peer, has learnt the table: its {@code show peers} reports the local resync
     * finished and {@code show table} holds the entry the old process had; or after {@code learnWithin}, saying so.
     */
    Reload reload(Duration learnWithin) throws IOException {
        Process old = process;
        Optional<String> before = stickyServer();
        long start = System.nanoTime();
        Process fresh = new ProcessBuilder(binary.toString(), "-db", "-f", dir.resolve("haproxy.cfg").toString(),
                "-sf", Long.toString(old.pid())).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        adopt(fresh);
        long deadline = start + learnWithin.toNanos();
        String last = "no answer on the stats socket";
        while (System.nanoTime() - deadline < 0 && fresh.isAlive()) {
            try {
                last = learnt(fresh.pid(), before);
                if (last == null) {
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    return new Reload(fresh.pid(), Optional.of(took), config.localPeer()
                            ? "the new process learnt the stick table from the old one (" + before.orElse("empty")
                            + ") after " + took.toMillis() + " ms"
                            : "no local peer: the new process starts with an empty stick table");
                }
            } catch (IOException e) {
                last = "stats socket: " + e.getMessage(); // the new process has not bound it yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return new Reload(fresh.pid(), Optional.empty(), "the new process had not learnt the stick table after "
                + learnWithin.toMillis() + " ms: " + last);
    }

    /** {@code null} once process {@code pid} owns the stats socket and holds the table; otherwise what is missing. */
    private String learnt(long pid, Optional<String> before) throws IOException {
        Matcher owner = Pattern.compile("(?m)^Pid: (\\d+)").matcher(command("show info"));
        if (!owner.find() || Long.parseLong(owner.group(1)) != pid) {
            return "the stats socket still answers for the old process";
        }
        if (!config.localPeer()) {
            return null;
        }
        Matcher flags = PEERS_FLAGS.matcher(command("show peers"));
        if (!flags.find() || (Long.parseLong(flags.group(1), 16) & RESYNC_LOCAL_FINISHED) == 0) {
            return "show peers: the resync from the local peer has not finished";
        }
        Optional<String> now = stickyServer();
        if (before.isPresent() && !before.equals(now)) {
            return "show table: " + now.orElse("empty") + ", the old process had " + before.get();
        }
        return null;
    }

    /** One command on the admin stats socket, its whole answer. */
    String command(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(config.statsSocket()))) {
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The server the stick table's one entry points to, if it has one yet. */
    Optional<String> stickyServer() throws IOException {
        String table = command("show table " + HaproxyConfig.BACKEND);
        for (String line : table.split("\n")) {
            if (line.startsWith("#") || !line.contains("key=")) {
                continue;
            }
            Matcher name = STICK_SERVER.matcher(line);
            if (name.find()) {
                return Optional.of(name.group(1));
            }
            Matcher id = STICK_SERVER_ID.matcher(line);
            if (id.find()) {
                return Optional.of("db" + (Integer.parseInt(id.group(1)) - 1)); // ids are given in order, from 1
            }
        }
        return Optional.empty();
    }

    /** Server name to its {@code show stat} status and check status, e.g. {@code db0 -> UP L7OK}. */
    Map<String, String> serverStates() throws IOException {
        String csv = command("show stat");
        String[] lines = csv.split("\n");
        Map<String, String> states = new HashMap<>();
        if (lines.length == 0 || !lines[0].startsWith("# ")) {
            return states;
        }
        List<String> header = Arrays.asList(lines[0].substring(2).split(",", -1));
        int px = header.indexOf("pxname");
        int sv = header.indexOf("svname");
        int status = header.indexOf("status");
        int check = header.indexOf("check_status");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length > Math.max(status, check) && f[px].equals(HaproxyConfig.BACKEND)
                    && !f[sv].equals("FRONTEND") && !f[sv].equals("BACKEND")) {
                states.put(f[sv], f[status] + " " + f[check]);
            }
        }
        return states;
    }

    private void awaitChecksPassed(Duration within) throws SQLException {
        long deadline = System.nanoTime() + within.toNanos();
        Map<String, String> states = Map.of();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new SQLException("haproxy exited with status " + process.exitValue() + ": " + stderrTail(), "08001");
            }
            try {
                states = serverStates();
                if (states.size() == config.servers().size()
                        && states.values().stream().allMatch(s -> s.startsWith("UP") && s.endsWith("L7OK"))) {
                    return;
                }
            } catch (IOException e) {
                // the stats socket is not there yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new SQLException("HAProxy's mysql-check did not pass on every server within " + within.toSeconds() + " s "
                + "(states " + states + "); haproxy said: " + stderrTail(), "08001");
    }

    private void readStderr(Process p) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                LOG.info("haproxy[{}]: {}", p.pid(), line);
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    if (stderrTail.size() > 10) {
                        stderrTail.removeFirst();
                    }
                }
                Matcher m = SERVER_STATE.matcher(line);
                if (m.find() && !closing) {
                    timeline.add(TimelineEvent.Kind.SERVER_STATE, "haproxy " + (p == process ? "" : "(old process) ")
                            + "marked " + m.group(1) + " " + m.group(2)
                            + (m.group(3) == null ? "" : ": " + m.group(3)));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private void watchStickTable() {
        String last = null;
        while (!closing) {
            try {
                String now = stickyServer().orElse(null);
                if (now != null && last != null && !now.equals(last) && !closing) {
                    timeline.add(TimelineEvent.Kind.SWITCH, "haproxy's stick table moved from " + last + " to " + now);
                }
                if (now != null) {
                    last = now;
                }
            } catch (IOException | RuntimeException e) {
                if (!closing) {
                    LOG.debug("haproxy stats socket: {}", e.toString());
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
        }
    }

    String stderrTail() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "(nothing)" : String.join(" | ", stderrTail);
        }
    }

    /** Kills every HAProxy process it started (SIGTERM, then SIGKILL after 5 s) and deletes its directory. */
    @Override
    public void close() {
        closing = true;
        stickWatcher.interrupt();
        List<Process> all;
        synchronized (processes) {
            all = List.copyOf(processes);
        }
        all.forEach(Process::destroy);
        try {
            for (Process p : all) {
                if (!p.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            stickWatcher.join(STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            killAll();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
        deleteQuietly(dir);
    }

    private static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", dir, e.toString());
        }
    }
}
