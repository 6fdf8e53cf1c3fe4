package dev.stickyfail.probe;

import dev.stickyfail.config.ServerAddress;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** What a probe is given about the server it checks. */
public interface ProbeTarget {

    String group();

    ServerAddress server();

    /** The hard limit of one probe ({@code stickyfail.checkTimeout}); a probe should give up by itself within it. */
    Duration timeout();

    /** {@code stickyfail.checkSql}, or {@code null}. */
    String checkSql();

    /** {@code stickyfail.maxReplicationLag}. */
    Duration maxReplicationLag();

    /**
     * {@code stickyfail.galeraAvailableWhenDonor}: whether the galera probe accepts a state-transfer donor (as
     * {@code AVAILABLE_WHEN_DONOR=1} does for PXC's clustercheck). A default method, so targets written before it
     * keep compiling and accept no donor.
     */
    default boolean galeraAvailableWhenDonor() {
        return false;
    }

    /**
     * Opens a new Connector/J session to the server with the probe's credentials, the application's Connector/J
     * properties, and connect and socket timeouts of {@link #timeout()}.
     */
    Connection connect() throws SQLException;
}
