package dev.stickyfail.hazelcast;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real Hazelcast members for tests: member files on 127.0.0.1 with free ports, and {@link StandaloneMember} JVMs that
 * can be frozen (SIGSTOP), thawed, killed (SIGKILL) and restarted. {@link #close()} kills every process it started.
 */
final class MemberCluster implements AutoCloseable {

    final Path dir;
    final String clusterName = "stickyfail-test-" + UUID.randomUUID().toString().substring(0, 8);
    final int[] ports;
    private final Map<Integer, Process> children = new TreeMap<>();

    MemberCluster(Path dir, int members, int cpMemberCount) throws IOException {
        this.dir = dir;
        this.ports = new int[members];
        for (int i = 0; i < members; i++) {
            ports[i] = freePort();
        }
        for (int i = 0; i < members; i++) {
            Files.writeString(memberFile(i), memberYaml(i, cpMemberCount));
        }
        StringBuilder client = new StringBuilder("hazelcast-client:\n  cluster-name: " + clusterName
                + "\n  network:\n    cluster-members:\n");
        for (int p : ports) {
            client.append("      - 127.0.0.1:").append(p).append('\n');
        }
        Files.writeString(clientFile(), client.toString());
    }

    Path memberFile(int i) {
        return dir.resolve("member-" + i + ".yaml");
    }

    Path clientFile() {
        return dir.resolve("client.yaml");
    }

    /** The minimal member file of docs/several-instances.md. */
    private String memberYaml(int i, int cpMemberCount) {
        StringBuilder sb = new StringBuilder();
        sb.append("hazelcast:\n");
        sb.append("  cluster-name: ").append(clusterName).append('\n');
        sb.append("  network:\n");
        sb.append("    port:\n      auto-increment: false\n      port: ").append(ports[i]).append('\n');
        sb.append("    interfaces:\n      enabled: true\n      interfaces:\n        - 127.0.0.1\n");
        sb.append("    join:\n      auto-detection:\n        enabled: false\n      multicast:\n        enabled: false\n");
        sb.append("      tcp-ip:\n        enabled: true\n        member-list:\n");
        for (int p : ports) {
            sb.append("          - 127.0.0.1:").append(p).append('\n');
        }
        if (cpMemberCount > 0) {
            sb.append("  cp-subsystem:\n    cp-member-count: ").append(cpMemberCount).append('\n');
        }
        String extra = System.getProperty("stickyfail.test.memberProperties"); // experiments: "a=b,c=d"
        if (extra != null && !extra.isBlank()) {
            sb.append("  properties:\n");
            for (String kv : extra.split(",")) {
                String[] p = kv.split("=", 2);
                sb.append("    ").append(p[0].trim()).append(": ").append(p[1].trim()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Starts member {@code i} as a {@link StandaloneMember} in a JVM of its own. */
    synchronized Process start(int i) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx192m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StandaloneMember.class.getName());
        cmd.add(memberFile(i).toString());
        File log = dir.resolve("member-" + i + ".log").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .start();
        children.put(i, p);
        return p;
    }

    /** Starts member {@code i} again if its JVM has gone (a test before killed it and failed before restarting it). */
    synchronized void ensureRunning(int i) throws IOException {
        Process p = children.get(i);
        if (p == null || !p.isAlive()) {
            start(i);
        }
    }

    synchronized Process process(int i) {
        return children.get(i);
    }

    void freeze(int i) throws Exception {
        signal("-STOP", i);
    }

    void thaw(int i) throws Exception {
        signal("-CONT", i);
    }

    /** SIGTERM: the member leaves gracefully (a CP member leaves its CP groups), and its JVM exits. */
    void stop(int i) throws InterruptedException {
        Process p = process(i);
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("member " + i + " did not exit within 60 s of SIGTERM");
        }
    }

    void kill(int i) throws InterruptedException {
        Process p = process(i);
        p.destroyForcibly(); // SIGKILL
        p.waitFor(30, TimeUnit.SECONDS);
    }

    String log(int i) throws IOException {
        Path p = dir.resolve("member-" + i + ".log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private void signal(String sig, int i) throws Exception {
        Process k = new ProcessBuilder("kill", sig, Long.toString(process(i).pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IllegalStateException("kill " + sig + " " + process(i).pid() + " failed");
        }
    }

    @Override
    public synchronized void close() {
        for (Process p : children.values()) {
            try {
                new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
            } catch (Exception ignored) {
                // it may be gone already
            }
            p.destroyForcibly();
        }
        for (Process p : children.values()) {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        children.clear();
    }

    /** A directory under target/ for member files and logs, kept for a look after a failure. */
    static Path newDir(String name) throws IOException {
        return Files.createDirectories(Path.of("target", "members", name + "-" + System.currentTimeMillis())).toAbsolutePath();
    }

    /** Whether a kill command can send SIGSTOP/SIGCONT (procps). */
    static boolean canSignal() {
        return Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
