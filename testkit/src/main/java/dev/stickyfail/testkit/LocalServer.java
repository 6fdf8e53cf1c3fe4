package dev.stickyfail.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One {@code mariadbd} process made by {@link LocalServers#create}: the same process handling and faults as a
 * {@link DbServer} (SIGKILL, SIGSTOP/SIGCONT, SIGTERM), plus what other topologies need: arguments and environment
 * that can change between starts, and a start that does not wait for logins.
 */
public final class LocalServer {

    private final ServerProcess server;

    LocalServer(ServerProcess server) {
        this.server = server;
    }

    public int index() {
        return server.index();
    }

    public int port() {
        return server.port();
    }

    public long pid() {
        return server.pid();
    }

    public Path serverDir() {
        return server.serverDir();
    }

    public Path dataDir() {
        return server.dataDir();
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    public boolean isFrozen() {
        return server.isFrozen();
    }

    /** Replaces the extra arguments of the next start. */
    public void extraArgs(List<String> args) {
        server.extraArgs(args);
    }

    /** Replaces the environment variables the next start adds. */
    public void environment(Map<String, String> variables) {
        server.environment(variables);
    }

    /** Starts the process and returns at once (a Galera joiner accepts no login until its state transfer is done). */
    public void launch() {
        server.launch();
    }

    /** Waits until root can log in; on failure kills the process and throws with the error log's tail. */
    public void awaitLogin(Duration timeout) {
        server.awaitReady(timeout);
    }

    /** Starts (or thaws) the server and returns once root can log in. */
    public void start(Duration timeout) {
        server.start(timeout);
    }

    public void stop() {
        server.stop();
    }

    public void kill() {
        server.kill();
    }

    public void freeze() {
        server.freeze();
    }

    public void thaw() {
        server.thaw();
    }

    /** Kills the process and deletes its directory; quiet. */
    public void destroy() {
        server.destroy();
    }

    public String errorLogTail(int lines) {
        return server.logTail(lines);
    }
}
