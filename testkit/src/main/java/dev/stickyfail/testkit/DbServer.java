package dev.stickyfail.testkit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * One server of a {@link ServerGroup}, and the faults you can inflict on it.
 *
 * <p>Faults are real: {@link #kill()} is SIGKILL, {@link #freeze()} is SIGSTOP (the kernel still completes TCP
 * handshakes into the listen backlog, so a client connects and then waits for a greeting that never comes, like a
 * hung server), {@link #stop()} is a clean shutdown (SIGTERM). {@link #start()} brings the server back on the same
 * port with the same data; its replication threads reconnect by themselves.
 *
 * <p>With the testcontainers backend the same calls map to {@code docker kill}, {@code docker pause} and
 * {@code docker unpause}, {@code docker stop} and {@code docker start}; {@link #pid()} is then the container's
 * main process as Docker reports it.
 */
public final class DbServer {

    private final ServerControl control;
    private final Accounts accounts;
    private final Duration startTimeout;

    DbServer(ServerControl control, Accounts accounts, Duration startTimeout) {
        this.control = control;
        this.accounts = accounts;
        this.startTimeout = startTimeout;
    }

    /** Position in the group, 0-based; also the position in {@link ServerGroup#hostList()}. */
    public int index() {
        return control.index();
    }

    /** Always {@code 127.0.0.1} for the default backend. */
    public String host() {
        return control.host();
    }

    public int port() {
        return control.port();
    }

    /** {@code server_id} (and {@code gtid_domain_id}): {@code index() + 1}. */
    public long serverId() {
        return control.serverId();
    }

    /** {@code jdbc:mysql://127.0.0.1:<port>/app}. */
    public String jdbcUrl() {
        return Jdbc.url(host(), port(), accounts.database());
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostAndPort() {
        return host() + ":" + port();
    }

    /** Pid of the server process most recently started (kept after it died, so a test can check it is gone). */
    public long pid() {
        return control.pid();
    }

    /** The process is alive; a frozen server counts as running. */
    public boolean isRunning() {
        return control.isRunning();
    }

    public boolean isFrozen() {
        return control.isFrozen();
    }

    /** Clean shutdown (SIGTERM, then waits for the process to exit); thaws a frozen server first. No-op if down. */
    public void stop() {
        control.stop();
    }

    /** SIGKILL; returns once the process is gone. No-op if down. */
    public void kill() {
        control.kill();
    }

    /**
     * SIGSTOP; returns once the process is stopped. Existing connections and new connects get no answer until
     * {@link #thaw()}; a client only notices through its own timeouts.
     */
    public void freeze() {
        control.freeze();
    }

    /** SIGCONT; returns once the process runs again. No-op if not frozen. */
    public void thaw() {
        control.thaw();
    }

    /**
     * Starts the server again on the same port and data directory and returns when root can log in; replication
     * resumes by itself (give it {@link ServerGroup#awaitReplicationCaughtUp(Duration)}). Thaws a frozen server;
     * no-op if running.
     */
    public void start() {
        control.start(startTimeout);
    }

    /** The data directory (it also holds the server's {@code error.log}); empty for the testcontainers backend. */
    public Optional<Path> dataDir() {
        return Optional.ofNullable(control.dataDir());
    }

    /** The last lines of the server's error log. */
    public String errorLogTail(int lines) {
        return control.logTail(lines);
    }

    /** Root, to {@code app}, 2 s connect timeout and 10 s socket timeout, TLS off. */
    public Connection adminConnection() throws SQLException {
        return Jdbc.admin(host(), port(), accounts.database(), accounts.rootUser(), accounts.rootPassword(),
                Jdbc.ADMIN_CONNECT_TIMEOUT, Jdbc.ADMIN_SOCKET_TIMEOUT);
    }

    /**
     * The app user through a plain {@code DriverManager.getConnection(jdbcUrl(), user, password)}: Connector/J's
     * defaults, so no timeouts (on a frozen server it waits for ever; add your own properties for that).
     */
    public Connection appConnection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), accounts.appUser(), accounts.appPassword());
    }

    /**
     * Sessions of {@code user} in {@code information_schema.processlist}, read through a new root connection that
     * does not count itself.
     */
    public int connectionCount(String user) throws SQLException {
        try (Connection c = adminConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT COUNT(*) FROM information_schema.processlist WHERE user = ? AND id <> CONNECTION_ID()")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public String toString() {
        return "server " + index() + " (" + hostAndPort() + ", server_id " + serverId() + ", pid " + pid()
                + (isRunning() ? (isFrozen() ? ", frozen" : ", running") : ", down") + ")";
    }
}
