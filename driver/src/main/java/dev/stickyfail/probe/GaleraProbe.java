package dev.stickyfail.probe;

import dev.stickyfail.config.StickyFailProperty;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code stickyfail.check=galera}: a Galera / Percona XtraDB Cluster node may take traffic only while it is Synced
 * ({@code wsrep_local_state = 4}), ready ({@code wsrep_ready = ON}) and part of the primary component
 * ({@code wsrep_cluster_status = Primary}), as PXC's {@code clustercheck} and the operator's {@code check_pxc.sh}
 * decide. A node serving a state transfer (Donor/Desynced, state 2) is refused unless
 * {@code stickyfail.galeraAvailableWhenDonor=true} ({@code AVAILABLE_WHEN_DONOR=1}); a node an operator desynced
 * by hand ({@code wsrep_desync=ON}, also state 2) is refused either way.
 */
public final class GaleraProbe extends SessionProbe {

    static final String SYNCED = "4";
    static final String DONOR_DESYNCED = "2";

    public GaleraProbe(ProbeTarget target) {
        super(target);
    }

    @Override
    protected ProbeResult verify(Connection session) throws SQLException {
        String state = null;
        String comment = null;
        String ready = null;
        String clusterStatus = null;
        try (Statement st = session.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state', "
                     + "'wsrep_local_state_comment', 'wsrep_ready', 'wsrep_cluster_status')")) {
            while (rs.next()) {
                String name = rs.getString(1).toLowerCase(java.util.Locale.ROOT);
                switch (name) {
                    case "wsrep_local_state" -> state = rs.getString(2);
                    case "wsrep_local_state_comment" -> comment = rs.getString(2);
                    case "wsrep_ready" -> ready = rs.getString(2);
                    case "wsrep_cluster_status" -> clusterStatus = rs.getString(2);
                    default -> { }
                }
            }
        }
        boolean donorAccepted = target.galeraAvailableWhenDonor();
        Boolean desyncedByHand = null;
        if (donorAccepted && DONOR_DESYNCED.equals(state)) {
            try (Statement st = session.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@global.wsrep_desync")) {
                desyncedByHand = rs.next() && isTrue(rs.getString(1));
            }
        }
        return decide(state, comment, ready, clusterStatus, donorAccepted, desyncedByHand);
    }

    /**
     * The decision from the status values (pure, for tests). {@code desyncedByHand} is {@code wsrep_desync}, read
     * only for a state-2 node when donors are accepted (null otherwise).
     */
    static ProbeResult decide(String state, String comment, String ready, String clusterStatus,
                              boolean donorAccepted, Boolean desyncedByHand) {
        if (state == null) {
            return ProbeResult.fail("not a Galera node (no wsrep_local_state)");
        }
        String status = "wsrep_local_state=" + state + (comment == null ? "" : " (" + comment + ")")
                + ", wsrep_ready=" + ready + ", wsrep_cluster_status=" + clusterStatus;
        if (!"Primary".equalsIgnoreCase(clusterStatus)) {
            return ProbeResult.fail("Galera node not in the primary component: " + status);
        }
        if (!isTrue(ready)) {
            return ProbeResult.fail("Galera node not ready: " + status);
        }
        if (SYNCED.equals(state)) {
            return ProbeResult.pass();
        }
        if (DONOR_DESYNCED.equals(state)) {
            if (!donorAccepted) {
                return ProbeResult.fail("Galera node is a donor or desynced: " + status + "; "
                        + StickyFailProperty.GALERA_AVAILABLE_WHEN_DONOR.key() + "=true accepts donors");
            }
            if (Boolean.TRUE.equals(desyncedByHand)) {
                return ProbeResult.fail("Galera node desynced by hand (wsrep_desync=ON): " + status);
            }
            return ProbeResult.pass("donor, accepted by " + StickyFailProperty.GALERA_AVAILABLE_WHEN_DONOR.key());
        }
        return ProbeResult.fail("Galera node not synced: " + status);
    }
}
