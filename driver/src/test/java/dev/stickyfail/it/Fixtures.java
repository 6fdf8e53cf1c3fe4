package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Shared helpers of the driver's integration tests. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A stickyfail URL over the group's servers (in index order: server 0 is the primary). */
    static String url(ServerGroup group, String hostList, String params) {
        return "jdbc:stickyfail:mysql://" + hostList + "/" + group.database()
                + (params == null || params.isEmpty() ? "" : "?" + params);
    }

    /**
     * A DataSource with the app user, probing with the probe user (so the app user's sessions on a server are
     * exactly the application's connections), in a group of its own.
     */
    public static StickyFailDataSource dataSource(ServerGroup group, String hostList, String groupName, String params) {
        StickyFailDataSource ds = new StickyFailDataSource(url(group, hostList, params));
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.group", groupName);
        ds.setProperty("stickyfail.checkUser", group.probeUser());
        ds.setProperty("stickyfail.checkPassword", group.probePassword());
        return ds;
    }

    static long serverId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Records switches (the first decision included) and probes, with the nanoTime they arrived at. */
    static final class Switches implements StickyFailListener {
        final List<SwitchEvent> events = new CopyOnWriteArrayList<>();
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        final List<ProbeEvent> probes = new CopyOnWriteArrayList<>();

        @Override
        public void onSwitch(SwitchEvent event) {
            events.add(event);
            arrivals.add(System.nanoTime());
        }

        @Override
        public void onProbe(ProbeEvent event) {
            probes.add(event);
        }

        long probesOf(String server) {
            return probes.stream().filter(p -> p.server().toString().equals(server)).count();
        }

        /** nanoTime at which the last switch arrived. */
        long lastSwitchAt() {
            return arrivals.get(arrivals.size() - 1);
        }

        /** Switches after the group's first decision. */
        long failovers() {
            return events.stream().filter(e -> e.from() != null).count();
        }
    }
}
