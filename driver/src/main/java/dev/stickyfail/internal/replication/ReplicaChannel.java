package dev.stickyfail.internal.replication;

/**
 * One replication connection of a replica (a MariaDB named connection, a MySQL channel), as its status reports it.
 *
 * @param name         MariaDB {@code Connection_name} / MySQL {@code Channel_Name}; empty for the default one
 * @param sourceHost   {@code Master_Host} / {@code Source_Host}
 * @param sourcePort   {@code Master_Port} / {@code Source_Port}
 * @param ioRunning    the IO (receiver) thread is connected ({@code Yes}, not {@code Connecting} or {@code No})
 * @param sqlRunning   the SQL (applier) thread runs
 * @param usesGtid     MariaDB {@code Using_Gtid} is not {@code No}; MySQL {@code gtid_mode} is {@code ON}
 * @param received     what it has received from the source: MariaDB {@code Gtid_IO_Pos}, MySQL
 *                     {@code Retrieved_Gtid_Set}
 * @param lastIoError  empty when none
 * @param lastSqlError empty when none
 */
public record ReplicaChannel(String name, String sourceHost, int sourcePort, boolean ioRunning, boolean sqlRunning,
                             boolean usesGtid, GtidSet received, String lastIoError, String lastSqlError) {

    /** The applier stopped on an error: it will not apply anything more until someone fixes it. */
    public boolean applierFailed() {
        return !sqlRunning && !lastSqlError.isEmpty();
    }

    @Override
    public String toString() {
        return (name.isEmpty() ? "default connection" : "connection '" + name + "'") + " from " + sourceHost + ":"
                + sourcePort + " (io=" + (ioRunning ? "Yes" : "No") + ", sql=" + (sqlRunning ? "Yes" : "No")
                + ", received " + received + ")";
    }
}
