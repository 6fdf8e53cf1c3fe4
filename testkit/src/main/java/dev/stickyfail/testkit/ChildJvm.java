package dev.stickyfail.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program in a JVM of its own, driven by lines: commands on its standard input, answers read from its standard
 * output, and signals (a paused or killed application is a process-level fault). The scenarios' application instances
 * and the benchmarks' hostile application are driven through it.
 */
public final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final String logHint;
    private final PrintWriter commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    /**
     * @param keep     which output lines are answers (the others are dropped)
     * @param logHint  where its log is, for error messages
     */
    public ChildJvm(String name, Process process, Predicate<String> keep, String logHint) {
        this.name = name;
        this.process = process;
        this.logHint = logHint;
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (keep.test(line)) {
                        answers.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Waits for the next answer starting with {@code prefix} (skipping others); an answer starting with {@code ERR}
     * ends the wait with an exception naming the program and its log.
     */
    public String await(String prefix, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try {
            while (true) {
                String line = answers.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException(name + " did not answer " + prefix + " within " + timeoutSeconds
                            + " s (alive: " + process.isAlive() + "); its log: " + logHint);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                if (line.startsWith("ERR")) {
                    throw new IllegalStateException(name + ": " + line + "; its log: " + logHint);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code line} and waits for the answer starting with {@code expect}. */
    public String command(String line, String expect, long timeoutSeconds) {
        commands.println(line);
        return await(expect, timeoutSeconds);
    }

    /** Sends {@code line} without waiting. */
    public void send(String line) {
        commands.println(line);
    }

    /** {@code kill -<sig>} (STOP, CONT, KILL). */
    public void signal(String sig) {
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

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills it if it still runs. SIGKILL ends a stopped process too, so no SIGCONT first: that raced with a program
     * exiting on its own (its {@code kill -CONT} failed on the pid just gone).
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
