package dev.stickyfail.scenarios;

import dev.stickyfail.hazelcast.StandaloneMember;
import dev.stickyfail.testkit.FaultProxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Three standalone Hazelcast members ({@link StandaloneMember}), each a JVM of its own, forming the CP Subsystem that
 * larger fleets join as clients ({@code stickyfail.hazelcast.clientConfig}): what several-instances.md recommends
 * when instances come and go.
 */
final class StandaloneCluster implements AutoCloseable {

    private final List<Process> members = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final Path clientConfig;

    private StandaloneCluster(Path clientConfig) {
        this.clientConfig = clientConfig;
    }

    /** Starts the three members and returns once each says its CP Subsystem is ready. */
    static StandaloneCluster start(Path dir, String clusterName) throws IOException {
        int[] ports = {FaultProxy.freePort(), FaultProxy.freePort(), FaultProxy.freePort()};
        StringBuilder members = new StringBuilder();
        for (int port : ports) {
            members.append("      - 127.0.0.1:").append(port).append('\n');
        }
        Path client = Files.writeString(dir.resolve("client.yaml"), "hazelcast-client:\n"
                + "  cluster-name: " + clusterName + "\n"
                + "  network:\n"
                + "    cluster-members:\n"
                + members);
        StandaloneCluster cluster = new StandaloneCluster(client);
        try {
            for (int i = 0; i < 3; i++) {
                Path file = Files.writeString(dir.resolve("standalone-" + i + ".yaml"), memberYaml(clusterName, i, ports));
                Path log = dir.resolve("standalone-" + i + ".log");
                cluster.logs.add(log);
                cluster.members.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m", "-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn", "-cp",
                        System.getProperty("java.class.path"), StandaloneMember.class.getName(), file.toString())
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!cluster.ready()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the standalone members' CP Subsystem did not form within 180 s; "
                            + "their logs: " + cluster.logs);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // polling the members' logs
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** A member file on 127.0.0.1: member {@code i} of {@code ports}, TCP join, {@code cp-member-count: 3}. */
    static String memberYaml(String clusterName, int i, int[] ports) {
        StringBuilder members = new StringBuilder();
        for (int port : ports) {
            members.append("          - 127.0.0.1:").append(port).append('\n');
        }
        return "hazelcast:\n"
                + "  cluster-name: " + clusterName + "\n"
                + "  network:\n"
                + "    port:\n"
                + "      auto-increment: false\n"
                + "      port: " + ports[i] + "\n"
                + "    interfaces:\n"
                + "      enabled: true\n"
                + "      interfaces:\n"
                + "        - 127.0.0.1\n"
                + "    join:\n"
                + "      auto-detection:\n"
                + "        enabled: false\n"
                + "      multicast:\n"
                + "        enabled: false\n"
                + "      tcp-ip:\n"
                + "        enabled: true\n"
                + "        member-list:\n"
                + members
                + "  cp-subsystem:\n"
                + "    cp-member-count: 3\n";
    }

    private boolean ready() {
        for (int i = 0; i < members.size(); i++) {
            if (!members.get(i).isAlive()) {
                throw new IllegalStateException("standalone member " + i + " exited; its log: " + logs.get(i));
            }
            try {
                if (!Files.exists(logs.get(i)) || !Files.readString(logs.get(i)).contains("CP Subsystem ready")) {
                    return false;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return true;
    }

    /** The client file the application instances name in {@code stickyfail.hazelcast.clientConfig}. */
    Path clientConfig() {
        return clientConfig;
    }

    List<Path> logs() {
        return logs;
    }

    @Override
    public void close() {
        members.forEach(Process::destroy);
        for (Process p : members) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
