package dev.stickyfail.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's scratch space and everything that makes sure nothing outlives it.
 *
 * <p>Layout: {@code ${java.io.tmpdir}/stickyfail-testkit/<pid of this JVM>/<group>/s<index>/} with the server's
 * {@code data/}, {@code tmp/}, its console output and {@code server.pid}, the pid of the {@code mariadbd} we
 * started. An {@code owner} file records this JVM's pid and start time.
 *
 * <p>Three layers of cleanup:
 * <ol>
 *   <li>{@link ServerGroup#close()} stops the servers and deletes their directories;</li>
 *   <li>a shutdown hook kills whatever groups are still open when the JVM exits, and deletes this JVM's directory;</li>
 *   <li>for a JVM that dies without running its hooks (SIGKILL, a fork killed on timeout): a watchdog shell process
 *   that polls this JVM's pid once a second and, when the JVM is gone, kills the {@code mariadbd} processes named in
 *   its {@code server.pid} files and deletes the directory; and, should the watchdog have died too, a sweep at the
 *   start of every later JVM that uses the testkit, which does the same for every directory whose owner is dead.</li>
 * </ol>
 * A pid is only killed when {@code /proc/<pid>/cmdline} names that server's own directory, so a reused pid never
 * hits a stranger's process.
 */
final class Workspace {

    private static final Logger LOG = LoggerFactory.getLogger(Workspace.class);
    static final String DIR_NAME = "stickyfail-testkit";
    static final String SERVER_PID_FILE = "server.pid";
    private static final String OWNER_FILE = "owner";

    private static Workspace instance;

    private final Path base;
    private final Path root;
    private final Set<Runnable> emergencyKills = ConcurrentHashMap.newKeySet();
    private final AtomicInteger groups = new AtomicInteger();

    private Workspace(Path base) throws IOException {
        this.base = base;
        Files.createDirectories(base);
        sweepStale(base);
        long pid = ProcessHandle.current().pid();
        this.root = base.resolve(Long.toString(pid));
        Files.createDirectories(root);
        Properties owner = new Properties();
        owner.setProperty("pid", Long.toString(pid));
        owner.setProperty("start", Long.toString(startMillis(ProcessHandle.current()).orElse(0L)));
        try (var out = Files.newBufferedWriter(root.resolve(OWNER_FILE), StandardCharsets.UTF_8)) {
            owner.store(out, "stickyfail testkit: owning JVM");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "stickyfail-testkit-shutdown"));
        if (!"false".equalsIgnoreCase(System.getProperty("stickyfail.testkit.watchdog"))) {
            startWatchdog(pid);
        }
    }

    static synchronized Workspace get() {
        if (instance == null) {
            try {
                Path base = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve(DIR_NAME);
                instance = new Workspace(base);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the testkit's scratch directory", e);
            }
        }
        return instance;
    }

    Path root() {
        return root;
    }

    Path newGroupDir(String name) {
        Path dir = root.resolve(name);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    String nextGroupName(int size) {
        return "g" + groups.incrementAndGet() + "x" + size;
    }

    /** Registers something to run from the shutdown hook if it is still registered when the JVM exits. */
    void onExit(Runnable emergencyKill) {
        emergencyKills.add(emergencyKill);
    }

    void forget(Runnable emergencyKill) {
        emergencyKills.remove(emergencyKill);
    }

    private void shutdown() {
        for (Runnable kill : List.copyOf(emergencyKills)) {
            try {
                kill.run();
            } catch (RuntimeException e) {
                // The JVM is going away; keep cleaning the rest.
            }
        }
        deleteTree(root);
    }

    private void startWatchdog(long jvmPid) {
        // Polls the JVM once a second; when it is gone (or a zombie), kills the servers it started and deletes its
        // directory. Exits by itself as soon as the directory is gone (normal shutdown deletes it).
        String script = String.join("\n",
                "root=\"$1\"; jvm=\"$2\"",
                "alive() { [ -r /proc/$jvm/stat ] && [ \"$(sed 's/.*) //' /proc/$jvm/stat | cut -d' ' -f1)\" != Z ]; }",
                "while [ -d \"$root\" ] && alive; do sleep 1; done",
                "[ -d \"$root\" ] || exit 0",
                "for f in \"$root\"/*/*/" + SERVER_PID_FILE + "; do",
                "  [ -f \"$f\" ] || continue",
                "  p=$(cat \"$f\"); d=$(dirname \"$f\")",
                "  [ -n \"$p\" ] || continue",
                "  if tr '\\0' '\\n' < /proc/$p/cmdline 2>/dev/null | grep -qF -- \"$d/\"; then kill -9 \"$p\"; fi",
                "done",
                "rm -rf \"$root\"");
        try {
            new ProcessBuilder("sh", "-c", script, "stickyfail-testkit-watchdog", root.toString(), Long.toString(jvmPid))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            LOG.warn("Cannot start the watchdog that cleans up after a killed JVM ({}); the next run's sweep will.",
                    e.toString());
        }
    }

    /**
     * Kills the servers of every JVM directory under {@code base} whose owning JVM is dead, and deletes those
     * directories. Visible for tests.
     */
    static void sweepStale(Path base) {
        if (!Files.isDirectory(base)) {
            return;
        }
        long self = ProcessHandle.current().pid();
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(base)) {
            stream.forEach(dirs::add);
        } catch (IOException e) {
            LOG.warn("Cannot list {}: {}", base, e.toString());
            return;
        }
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (!name.matches("\\d+") || !Files.isDirectory(dir)) {
                continue;
            }
            long pid = Long.parseLong(name);
            if (pid == self && ownerStart(dir).map(s -> sameStart(s, ProcessHandle.current())).orElse(false)) {
                continue;
            }
            if (pid != self && ownerAlive(dir, pid)) {
                continue;
            }
            int killed = killServersUnder(dir);
            deleteTree(dir);
            LOG.info("Swept stale testkit directory {} of dead JVM {} ({} mariadbd process(es) killed)",
                    dir, pid, killed);
        }
    }

    private static boolean ownerAlive(Path dir, long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        Optional<Long> start = ownerStart(dir);
        if (start.isEmpty()) {
            // No owner file (yet): being created right now by a live JVM, or left by a dead one whose pid was reused.
            // Give a young directory the benefit of the doubt.
            try {
                return Files.getLastModifiedTime(dir).toInstant().isAfter(Instant.now().minusSeconds(600));
            } catch (IOException e) {
                return false;
            }
        }
        return sameStart(start.get(), handle.get());
    }

    private static boolean sameStart(long recordedMillis, ProcessHandle handle) {
        return startMillis(handle).map(actual -> Math.abs(actual - recordedMillis) < 2000).orElse(true);
    }

    private static Optional<Long> ownerStart(Path dir) {
        Path file = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties owner = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            owner.load(in);
            return Optional.of(Long.parseLong(owner.getProperty("start", "0")));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> startMillis(ProcessHandle handle) {
        return handle.info().startInstant().map(Instant::toEpochMilli);
    }

    /** Kills every live process named by a server.pid file under {@code dir} whose command line names its dir. */
    static int killServersUnder(Path dir) {
        int killed = 0;
        try (Stream<Path> files = Files.find(dir, 4,
                (p, attrs) -> attrs.isRegularFile() && p.getFileName().toString().equals(SERVER_PID_FILE))) {
            for (Path pidFile : (Iterable<Path>) files::iterator) {
                Optional<ProcessHandle> process = readPid(pidFile).flatMap(ProcessHandle::of)
                        .filter(p -> commandLineMentions(p.pid(), pidFile.getParent()));
                if (process.isPresent()) {
                    killAndWait(process.get());
                    killed++;
                }
            }
        } catch (NoSuchFileException e) {
            // Someone (the dead JVM's watchdog) is cleaning the same directory.
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Cannot scan {} for servers to kill: {}", dir, e.toString());
        }
        return killed;
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static boolean commandLineMentions(long pid, Path dir) {
        String needle = dir.toAbsolutePath() + "/";
        try {
            String raw = readProcFile(Path.of("/proc", Long.toString(pid), "cmdline"));
            return raw.replace('\0', '\n').contains(needle);
        } catch (IOException e) {
            return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine())
                    .map(cmd -> cmd.contains(needle)).orElse(false);
        }
    }

    /**
     * Reads a /proc file to its end. (Files.readString trusts the file size, which /proc reports as 0 or 4096, and
     * on JDK 17 can return a truncated result.)
     */
    static String readProcFile(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void killAndWait(ProcessHandle process) {
        process.destroyForcibly();
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Process {} did not exit within 10 s of SIGKILL", process.pid());
        }
    }

    static void deleteTree(Path dir) {
        for (int attempt = 0; attempt < 3 && Files.exists(dir); attempt++) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // retried below
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                // retried
            }
        }
    }
}
