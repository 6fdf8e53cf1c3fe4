package dev.stickyfail.scenarios;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An {@link AppInstance} in a JVM of its own, as the scenario drives it: commands in, answers out, signals. */
final class InstanceProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Path results;
    private final Path log;

    private InstanceProcess(String name, Process process, Path results, Path log) {
        this.name = name;
        this.process = process;
        this.results = results;
        this.log = log;
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("READY") || line.startsWith("OK") || line.startsWith("ERR")
                            || line.startsWith("STATUS") || line.startsWith("DONE")) {
                        answers.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "instance-" + name + "-stdout");
        reader.setDaemon(true);
        reader.start();
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
        return process.pid();
    }

    /** Waits for the next answer line, or throws naming the instance and its log. */
    String await(String prefix, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try {
            while (true) {
                String line = answers.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("instance " + name + " did not answer " + prefix + " within "
                            + timeoutSeconds + " s (alive: " + process.isAlive() + "); its log: " + log);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                if (line.startsWith("ERR")) {
                    throw new IllegalStateException("instance " + name + ": " + line);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String command(String line, String expect, long timeoutSeconds) {
        commands.println(line);
        return await(expect, timeoutSeconds);
    }

    void signal(String sig) {
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
            if (k.waitFor() != 0) {
                throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT");
            process.destroyForcibly();
        }
    }
}
