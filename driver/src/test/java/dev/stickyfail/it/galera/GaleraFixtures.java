package dev.stickyfail.it.galera;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerInfo;
import dev.stickyfail.testkit.LocalServers;
import dev.stickyfail.testkit.galera.GaleraCluster;

/** Helpers of the Galera integration tests. */
final class GaleraFixtures {

    private GaleraFixtures() {
    }

    /**
     * A DataSource over every node in index order (node 0 is the primary) with the galera probe, the app user, and
     * the probe user for probes (a USAGE account: the probe needs no privilege).
     */
    static StickyFailDataSource dataSource(GaleraCluster cluster, String group, String params) {
        StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + cluster.hostList() + "/"
                + LocalServers.database() + "?stickyfail.check=galera&sslMode=DISABLED&allowPublicKeyRetrieval=true"
                + (params.isEmpty() ? "" : "&" + params));
        ds.setUser(LocalServers.appUser());
        ds.setPassword(LocalServers.appPassword());
        ds.setProperty("stickyfail.group", group);
        ds.setProperty("stickyfail.checkUser", LocalServers.probeUser());
        ds.setProperty("stickyfail.checkPassword", LocalServers.probePassword());
        return ds;
    }

    static ServerInfo server(GroupAdmin admin, GaleraCluster cluster, int index) {
        String name = cluster.node(index).hostAndPort();
        return admin.servers().stream().filter(s -> s.getServer().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no server " + name + " in " + admin.servers()));
    }

    static String state(GroupAdmin admin, GaleraCluster cluster, int index) {
        return server(admin, cluster, index).getState();
    }
}
