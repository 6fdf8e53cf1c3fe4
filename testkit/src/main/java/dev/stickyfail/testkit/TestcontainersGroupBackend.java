package dev.stickyfail.testkit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The optional backend: MySQL 8.4 containers through Testcontainers, chosen with
 * {@code -Dstickyfail.testkit.backend=testcontainers}. Only this class touches Testcontainers, and
 * {@link ServerGroup} loads it by name, so the testkit works without Testcontainers on the classpath.
 *
 * <p>Faults map to Docker: freeze/thaw to {@code docker pause/unpause} (the cgroup freezer: the process stops, the
 * kernel still accepts TCP), kill to {@code docker kill}, stop/start to {@code docker stop/start}. Each container's
 * port is bound to a fixed host port so a restarted server keeps its address. Without Docker, starting a group
 * aborts the calling test (JUnit reports it as skipped) instead of failing it.
 */
final class TestcontainersGroupBackend implements GroupBackend {

    private static final int MYSQL_PORT = 3306;

    private final Network network;
    private final List<ContainerServer> servers;
    private final String image;
    private final ReplicationDialect replication = new MysqlReplication();

    private TestcontainersGroupBackend(Network network, List<ContainerServer> servers, String image) {
        this.network = network;
        this.servers = servers;
        this.image = image;
    }

    static GroupBackend start(String name, GroupOptions options, Accounts accounts) {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new TestAbortedException("Docker is not available; the testcontainers backend (-D"
                    + GroupOptions.BACKEND_PROPERTY + "=testcontainers) needs it");
        }
        Network network = Network.newNetwork();
        List<ContainerServer> servers = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            servers.add(new ContainerServer(name, i, options, accounts, network));
        }
        TestcontainersGroupBackend backend = new TestcontainersGroupBackend(network, servers, options.mysqlImage());
        try {
            Startables.deepStart(servers.stream().map(s -> s.container)).join();
            for (ContainerServer server : servers) {
                server.awaitLogin(options.startTimeout());
                server.createAccounts();
            }
            return backend;
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return image + " (Testcontainers)";
    }

    @Override
    public Flavour flavour() {
        return Flavour.MYSQL8;
    }

    @Override
    public List<ServerControl> servers() {
        return List.copyOf(servers);
    }

    @Override
    public String peerHost(int index) {
        return "db" + index;
    }

    @Override
    public int peerPort(int index) {
        return MYSQL_PORT;
    }

    @Override
    public ReplicationDialect replication() {
        return replication;
    }

    @Override
    public void close() {
        for (ContainerServer server : servers) {
            server.destroy();
        }
        network.close();
    }

    /** One MySQL container. */
    private static final class ContainerServer implements ServerControl {
        private final String groupName;
        private final int index;
        private final int hostPort;
        private final Accounts accounts;
        private final MySQLContainer container;

        ContainerServer(String groupName, int index, GroupOptions options, Accounts accounts, Network network) {
            this.groupName = groupName;
            this.index = index;
            this.accounts = accounts;
            this.hostPort = Ports.freeServerPort();
            List<String> command = new ArrayList<>(List.of(
                    "--server-id=" + (index + 1),
                    "--gtid-mode=ON",
                    "--enforce-gtid-consistency=ON",
                    "--log-replica-updates=ON",
                    "--skip-name-resolve",
                    "--replica-net-timeout=5",
                    "--max-connect-errors=1000000000",
                    "--max-connections=1000",
                    "--auto-increment-increment=" + options.size(),
                    "--auto-increment-offset=" + (index + 1)));
            command.addAll(options.serverArgs());
            this.container = new MySQLContainer(DockerImageName.parse(options.mysqlImage()))
                    .withDatabaseName(accounts.database())
                    .withUsername(accounts.rootUser())
                    .withPassword(accounts.rootPassword())
                    .withNetwork(network)
                    .withNetworkAliases("db" + index)
                    .withCommand(command.toArray(new String[0]))
                    .withStartupTimeout(options.startTimeout().plusSeconds(60))
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                            new PortBinding(com.github.dockerjava.api.model.Ports.Binding.bindPort(hostPort),
                                    new ExposedPort(MYSQL_PORT))));
        }

        private DockerClient docker() {
            return DockerClientFactory.instance().client();
        }

        private InspectContainerResponse.ContainerState state() {
            return docker().inspectContainerCmd(container.getContainerId()).exec().getState();
        }

        void createAccounts() {
            try (Connection c = Jdbc.admin(host(), port(), accounts.database(), accounts.rootUser(),
                    accounts.rootPassword(), Jdbc.ADMIN_CONNECT_TIMEOUT, Jdbc.ADMIN_SOCKET_TIMEOUT);
                 Statement st = c.createStatement()) {
                st.execute("SET sql_log_bin = 0");
                st.execute("CREATE USER '" + accounts.appUser() + "'@'%' IDENTIFIED BY '" + accounts.appPassword()
                        + "'");
                st.execute("GRANT ALL PRIVILEGES ON `" + accounts.database() + "`.* TO '" + accounts.appUser()
                        + "'@'%'");
                st.execute("CREATE USER '" + accounts.probeUser() + "'@'%' IDENTIFIED BY '"
                        + accounts.probePassword() + "'");
                st.execute("GRANT USAGE, REPLICATION CLIENT, PROCESS ON *.* TO '" + accounts.probeUser() + "'@'%'");
                st.execute("CREATE USER '" + accounts.replUser() + "'@'%' IDENTIFIED BY '"
                        + accounts.replPassword() + "'");
                st.execute("GRANT REPLICATION SLAVE ON *.* TO '" + accounts.replUser() + "'@'%'");
            } catch (SQLException e) {
                throw new IllegalStateException(groupName + "/server " + index + ": cannot create accounts: "
                        + e.getMessage(), e);
            }
        }

        void awaitLogin(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            SQLException last = null;
            while (System.nanoTime() < deadline) {
                try (Connection c = Jdbc.admin(host(), port(), accounts.database(), accounts.rootUser(),
                        accounts.rootPassword(), Duration.ofSeconds(1), Duration.ofSeconds(5))) {
                    if (c.isValid(5)) {
                        return;
                    }
                } catch (SQLException e) {
                    last = e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            throw new IllegalStateException(groupName + "/server " + index + ": no login within " + timeout
                    + (last == null ? "" : " (last error: " + last.getMessage() + ")") + ". Log tail:\n"
                    + logTail(30));
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public String host() {
            return container.getHost();
        }

        @Override
        public int port() {
            return hostPort;
        }

        @Override
        public long serverId() {
            return index + 1L;
        }

        @Override
        public long pid() {
            Long pid = state().getPidLong();
            return pid == null || pid == 0 ? -1 : pid;
        }

        @Override
        public boolean isRunning() {
            return Boolean.TRUE.equals(state().getRunning());
        }

        @Override
        public boolean isFrozen() {
            return Boolean.TRUE.equals(state().getPaused());
        }

        @Override
        public void stop() {
            if (isFrozen()) {
                thaw();
            }
            if (isRunning()) {
                docker().stopContainerCmd(container.getContainerId()).withTimeout(60).exec();
            }
        }

        @Override
        public void kill() {
            if (isRunning()) {
                docker().killContainerCmd(container.getContainerId()).exec();
            }
        }

        @Override
        public void freeze() {
            docker().pauseContainerCmd(container.getContainerId()).exec();
        }

        @Override
        public void thaw() {
            if (isFrozen()) {
                docker().unpauseContainerCmd(container.getContainerId()).exec();
            }
        }

        @Override
        public void start(Duration timeout) {
            if (isFrozen()) {
                thaw();
                return;
            }
            if (!isRunning()) {
                docker().startContainerCmd(container.getContainerId()).exec();
            }
            awaitLogin(timeout);
        }

        @Override
        public Path dataDir() {
            return null;
        }

        @Override
        public String logTail(int lines) {
            try {
                String[] all = container.getLogs().split("\n");
                return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines),
                        all.length));
            } catch (RuntimeException e) {
                return "(no container log: " + e + ")";
            }
        }

        @Override
        public void destroy() {
            try {
                if (container.getContainerId() != null && isFrozen()) {
                    thaw();
                }
            } catch (RuntimeException e) {
                // removing it anyway
            }
            container.stop();
        }
    }
}
