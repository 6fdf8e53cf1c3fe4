package dev.stickyfail.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * Building blocks for topologies other than {@link ServerGroup}'s (the Galera cluster of
 * {@code dev.stickyfail.testkit.galera}): the testkit's MariaDB binaries and accounts, scratch directories that are
 * cleaned up even after a killed JVM (see {@link Workspace}), free loopback ports, and {@code mariadbd} processes
 * with the same faults as a {@link DbServer}. Tests use the topologies, not this class.
 */
public final class LocalServers {

    private LocalServers() {
    }

    /**
     * A new directory for one topology under this JVM's scratch space; a server's directory must be a direct child
     * of it, so the watchdog of a killed JVM finds and kills its processes.
     */
    public static Path newTopologyDirectory(String kind, int size) {
        Workspace workspace = Workspace.get();
        return workspace.newGroupDir(kind + "-" + workspace.nextGroupName(size));
    }

    public static int freePort() {
        return Ports.freeServerPort();
    }

    /** The directory of {@code mariadbd} and the other MariaDB programs. */
    public static Path binDir() {
        return MariaDbDistribution.get().binDir();
    }

    public static boolean runningAsRoot() {
        return ServerProcess.runningAsRoot();
    }

    /** Runs {@code kill} from the shutdown hook if the JVM exits before {@link #forget(Runnable)}. */
    public static void onExit(Runnable kill) {
        Workspace.get().onExit(kill);
    }

    public static void forget(Runnable kill) {
        Workspace.get().forget(kill);
    }

    public static void deleteTree(Path dir) {
        Workspace.deleteTree(dir);
    }

    /** The database every server has ({@code app}). */
    public static String database() {
        return Accounts.DEFAULT.database();
    }

    public static String appUser() {
        return Accounts.DEFAULT.appUser();
    }

    public static String appPassword() {
        return Accounts.DEFAULT.appPassword();
    }

    /** A user with {@code USAGE, REPLICATION CLIENT, SLAVE MONITOR, PROCESS}, for probes. */
    public static String probeUser() {
        return Accounts.DEFAULT.probeUser();
    }

    public static String probePassword() {
        return Accounts.DEFAULT.probePassword();
    }

    public static String rootUser() {
        return Accounts.DEFAULT.rootUser();
    }

    public static String rootPassword() {
        return Accounts.DEFAULT.rootPassword();
    }

    /**
     * A server in {@code <topologyDir>/s<index>} with a copy of the initialised data directory (the testkit's
     * database and accounts), not started. {@code extraArgs} follow the testkit's own arguments, so they win.
     */
    public static LocalServer create(String topologyName, int index, int topologySize, Path topologyDir,
                                     List<String> extraArgs) {
        ServerProcess server = new ServerProcess(topologyName, index, topologySize, topologyDir.resolve("s" + index),
                MariaDbDistribution.get(), extraArgs, Accounts.DEFAULT);
        try {
            server.prepare();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the data directory of " + topologyName + "/" + index, e);
        }
        return new LocalServer(server);
    }

    /** Root to {@code app}, with the testkit's short admin timeouts; TLS off. */
    public static Connection adminConnection(int port) throws SQLException {
        return adminConnection(port, Jdbc.ADMIN_SOCKET_TIMEOUT);
    }

    public static Connection adminConnection(int port, Duration socketTimeout) throws SQLException {
        return Jdbc.admin("127.0.0.1", port, Accounts.DEFAULT.database(), Accounts.DEFAULT.rootUser(),
                Accounts.DEFAULT.rootPassword(), Jdbc.ADMIN_CONNECT_TIMEOUT, socketTimeout);
    }
}
