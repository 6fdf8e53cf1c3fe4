package dev.stickyfail.scenarios;

import dev.stickyfail.testkit.ChildJvm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An {@link AppInstance} in a JVM of its own, as the scenario drives it: commands in, answers out, signals. */
final class InstanceProcess implements AutoCloseable {

    private final String name;
    private final ChildJvm jvm;
    private final Path results;
    private final Path log;

    private InstanceProcess(String name, Process process, Path results, Path log) {
        this.name = name;
        this.results = results;
        this.log = log;
        this.jvm = new ChildJvm("instance " + name, process, line -> line.startsWith("READY") || line.startsWith("OK")
                || line.startsWith("ERR") || line.startsWith("STATUS") || line.startsWith("DONE"), log.toString());
    }

    /**
     * Starts an instance; {@code hostsFile} maps the servers' names to this instance's own proxies
     * ({@code jdk.net.hosts.file}), so that one instance can be cut off from a server alone.
     */
    static InstanceProcess start(String name, Path dir, Path hostsFile, Map<String, String> args) throws IOException {
        Path results = dir.resolve(name + ".results");
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Djdk.net.hosts.file=" + hostsFile);
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AppInstance.class.getName());
        Map<String, String> all = new HashMap<>(args);
        all.put("instance", name);
        all.put("out", results.toString());
        all.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        return new InstanceProcess(name, p, results, log);
    }

    String name() {
        return name;
    }

    long pid() {
        return jvm.pid();
    }

    /** Waits for the next answer line, or throws naming the instance and its log. */
    String await(String prefix, long timeoutSeconds) {
        return jvm.await(prefix, timeoutSeconds);
    }

    String command(String line, String expect, long timeoutSeconds) {
        return jvm.command(line, expect, timeoutSeconds);
    }

    void signal(String sig) {
        jvm.signal(sig);
    }

    /** Stops the writers and returns what each write's caller was told, when, and the group's events. */
    InstanceRecord stop() throws IOException {
        command("stop", "DONE", 60);
        return InstanceRecord.read(name, results, Path.of(results + ".events"));
    }

    /** SIGKILL: the instance's host is lost; nothing of what it recorded survives. */
    void kill() {
        signal("KILL");
    }

    boolean isAlive() {
        return jvm.isAlive();
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        jvm.close();
    }
}
