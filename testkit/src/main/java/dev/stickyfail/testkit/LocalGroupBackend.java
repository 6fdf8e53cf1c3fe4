package dev.stickyfail.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default backend: server processes on this host ({@code mariadbd} or {@code mysqld}, by the flavour). */
final class LocalGroupBackend implements GroupBackend {

    private static final Logger LOG = LoggerFactory.getLogger(LocalGroupBackend.class);

    private final Distribution distribution;
    private final ReplicationDialect replication;
    private final Path groupDir;
    private final List<ServerProcess> servers;

    private LocalGroupBackend(Distribution distribution, Path groupDir, List<ServerProcess> servers) {
        this.distribution = distribution;
        this.replication = distribution.replication();
        this.groupDir = groupDir;
        this.servers = servers;
    }

    static LocalGroupBackend start(String name, GroupOptions options, Accounts accounts, Workspace workspace) {
        Distribution distribution = options.flavour() == Flavour.MYSQL8
                ? MysqlDistribution.get()
                : MariaDbDistribution.get();
        Path groupDir = workspace.newGroupDir(name);
        List<ServerProcess> servers = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            servers.add(new ServerProcess(name, i, options.size(), groupDir.resolve("s" + i), distribution,
                    options.serverArgs(), accounts));
        }
        LocalGroupBackend backend = new LocalGroupBackend(distribution, groupDir, servers);
        try {
            long start = System.nanoTime();
            for (ServerProcess server : servers) {
                server.prepare();
            }
            long prepared = System.nanoTime();
            for (ServerProcess server : servers) {
                server.launch();
            }
            for (ServerProcess server : servers) {
                server.awaitFirstStart(options.startTimeout());
            }
            LOG.info("[{}] copied {} data director{} from the template in {} ms; all servers accepted logins {} ms "
                            + "later", name, servers.size(), servers.size() == 1 ? "y" : "ies",
                    TimeUnit.NANOSECONDS.toMillis(prepared - start),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - prepared));
            return backend;
        } catch (IOException e) {
            backend.close();
            throw new UncheckedIOException("cannot prepare the data directories of group " + name, e);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return distribution.description();
    }

    @Override
    public Flavour flavour() {
        return distribution.flavour();
    }

    @Override
    public List<ServerControl> servers() {
        return List.copyOf(servers);
    }

    @Override
    public String peerHost(int index) {
        return servers.get(index).host();
    }

    @Override
    public int peerPort(int index) {
        return servers.get(index).port();
    }

    @Override
    public ReplicationDialect replication() {
        return replication;
    }

    @Override
    public void close() {
        for (ServerProcess server : servers) {
            server.destroy();
        }
        Workspace.deleteTree(groupDir);
    }
}
