package dev.stickyfail.internal.replication;

import java.util.Locale;

/**
 * The server whose transactions a replica receives, as stickyfail's URL names it. A replica's replication
 * connection matches when its {@code Master_Host}/{@code Source_Host} is this host (case-insensitive, no DNS
 * lookup: the switch path must not wait on a resolver) and its port is this port, or, when {@code identity} is
 * known, when the replica's {@code Master_Server_Id} (MariaDB) or {@code Source_UUID} (MySQL) is it.
 *
 * @param host     as in the URL, e.g. {@code 127.0.0.1} or {@code db0}
 * @param port     as in the URL
 * @param identity the source's {@code server_id} (MariaDB) or {@code server_uuid} (MySQL) if known, else null
 */
public record ReplicationSource(String host, int port, String identity) {

    public ReplicationSource {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("a replication source needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a port: " + port);
        }
    }

    public ReplicationSource(String host, int port) {
        this(host, port, null);
    }

    boolean matches(String rowHost, String rowPort, String rowIdentity) {
        if (identity != null && rowIdentity != null && identity.equalsIgnoreCase(rowIdentity.trim())) {
            return true;
        }
        return rowHost != null && host.toLowerCase(Locale.ROOT).equals(rowHost.trim().toLowerCase(Locale.ROOT))
                && Integer.toString(port).equals(rowPort == null ? null : rowPort.trim());
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
