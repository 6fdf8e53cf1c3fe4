package dev.stickyfail.benchmarks;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How long a switch takes to abort N open connections (default 1,000) to the server it leaves, measured by the
 * eviction event (the abort loop alone) and the switch event (eviction plus storing the decision). Several rounds,
 * switching back and forth. Usage: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.stickyfail.benchmarks.EvictionBenchmark [connections] [rounds]}.
 */
public final class EvictionBenchmark {

    private EvictionBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        // --frozen: freeze the server being left before the switch, so its own teardown of the sessions does not
        // compete for the CPU: what is left is the client's cost alone (on a real network the server is elsewhere)
        boolean frozen = args.length > 2 && args[2].equals("--frozen");
        try (ServerGroup group = ServerGroup.start(2)) {
            for (int i = 0; i < group.size(); i++) {
                try (Connection c = group.adminConnection(i); Statement st = c.createStatement()) {
                    st.execute("SET GLOBAL max_connections = " + (connections + 200));
                }
            }
            List<EvictionEvent> evictions = new CopyOnWriteArrayList<>();
            List<dev.stickyfail.event.SwitchEvent> switches = new CopyOnWriteArrayList<>();
            try (StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database())) {
                ds.setUser(group.appUser());
                ds.setPassword(group.appPassword());
                ds.setProperty("stickyfail.group", "eviction-benchmark");
                GroupAdmin admin = ds.admin();
                admin.addListener(new StickyFailListener() {
                    @Override
                    public void onEviction(EvictionEvent event) {
                        evictions.add(event);
                    }

                    @Override
                    public void onSwitch(dev.stickyfail.event.SwitchEvent event) {
                        switches.add(event);
                    }
                });
                ds.getConnection().close();
                System.out.printf("%-6s %12s %14s %14s%n", "round", "connections", "eviction ms", "switch ms");
                for (int round = 1; round <= rounds; round++) {
                    List<Connection> open = new ArrayList<>(connections);
                    for (int i = 0; i < connections; i++) {
                        open.add(ds.getConnection());
                    }
                    String target = group.server(round % 2).hostAndPort();
                    int left = (round + 1) % 2;
                    if (frozen) {
                        group.server(left).freeze();
                    }
                    admin.switchTo(target);
                    EvictionEvent e = evictions.get(evictions.size() - 1);
                    dev.stickyfail.event.SwitchEvent s = switches.get(switches.size() - 1);
                    System.out.printf("%-6d %12d %14.2f %14.2f%n", round, e.connections(),
                            e.duration().toNanos() / 1e6, s.duration().toNanos() / 1e6);
                    for (Connection c : open) {
                        closeQuietly(c);
                    }
                    if (frozen) {
                        group.server(left).thaw();
                    }
                }
            }
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // aborted by the switch: nothing left to close
        }
    }
}
