package dev.stickyfail.probe;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code stickyfail.check=galera}: a Galera / Percona XtraDB Cluster node may take traffic when it is synced
 * ({@code wsrep_local_state = 4}) and ready ({@code wsrep_ready = ON}), as PXC's clustercheck decides.
 */
public final class GaleraProbe extends SessionProbe {

    private static final String SYNCED = "4";

    public GaleraProbe(ProbeTarget target) {
        super(target);
    }

    @Override
    protected ProbeResult verify(Connection session) throws SQLException {
        String state = null;
        String ready = null;
        try (Statement st = session.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_ready')")) {
            while (rs.next()) {
                if ("wsrep_local_state".equalsIgnoreCase(rs.getString(1))) {
                    state = rs.getString(2);
                } else {
                    ready = rs.getString(2);
                }
            }
        }
        if (state == null) {
            return ProbeResult.fail("not a Galera node (no wsrep_local_state)");
        }
        if (!SYNCED.equals(state) || !isTrue(ready)) {
            return ProbeResult.fail("Galera node not synced: wsrep_local_state=" + state + ", wsrep_ready=" + ready);
        }
        return ProbeResult.pass();
    }
}
