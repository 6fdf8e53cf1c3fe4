package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The replication statements and GTID positions of one server flavour: the only place where MariaDB's
 * {@code MASTER_USE_GTID} and {@code gtid_binlog_pos} and MySQL's {@code MASTER_AUTO_POSITION},
 * {@code gtid_executed} and status columns are spelled.
 */
interface ReplicationDialect {

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

    /** Where a server's binary log is (the GTIDs it has), as text for messages and {@link #hasApplied}. */
    String position(Connection server) throws SQLException;

    /** True when {@code replica} has applied every transaction in {@code sourcePosition}. */
    boolean hasApplied(Connection replica, String sourcePosition) throws SQLException;
}
