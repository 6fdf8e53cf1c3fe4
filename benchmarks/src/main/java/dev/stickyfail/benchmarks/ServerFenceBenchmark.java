package dev.stickyfail.benchmarks;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.ServerFenceEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the fence at the server costs a switch away from a server that still answers: an operator's {@code switchTo}
 * back and forth between two real MariaDB servers, each time with N sessions of the application's account open on the
 * server being left (default 100: other instances' pooled connections, which only the server fence reaches) besides
 * this instance's own, measured with {@code stickyfail.serverFence} off, on (the default), and on with
 * {@code stickyfail.fenceReadOnly} (fence user: the servers' root). Reports the switch's own duration
 * ({@code SwitchEvent.duration}: fencing, storing the decision, catch-up) and the {@code switchTo} call, median, p90
 * and max over the rounds. Usage: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.stickyfail.benchmarks.ServerFenceBenchmark [sessions] [rounds]}.
 */
public final class ServerFenceBenchmark {

    private ServerFenceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (ServerGroup group = ServerGroup.start(2)) {
            System.out.printf("%d sessions of the application's account open on the server left, %d switches per mode, "
                    + "one JVM, both servers on this host%n%n", sessions, rounds);
            System.out.printf("%-20s %26s %26s %16s%n", "mode", "switch ms (med / p90 / max)",
                    "switchTo ms (med / p90 / max)", "killed (mean)");
            for (String mode : List.of("serverFence=false", "serverFence=true", "fenceReadOnly=true")) {
                measure(group, mode, sessions, rounds);
            }
        }
    }

    private static void measure(ServerGroup group, String mode, int sessions, int rounds) throws Exception {
        List<SwitchEvent> switches = new CopyOnWriteArrayList<>();
        List<ServerFenceEvent> fences = new CopyOnWriteArrayList<>();
        List<Long> switchMillis = new ArrayList<>();
        List<Long> callMillis = new ArrayList<>();
        long killed = 0;
        String url = "jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database();
        try (StickyFailDataSource ds = new StickyFailDataSource(url)) {
            ds.setUser(group.appUser());
            ds.setPassword(group.appPassword());
            ds.setProperty("stickyfail.group", "fence-benchmark-" + mode.replace('=', '-'));
            ds.setProperty("stickyfail.checkUser", group.probeUser());
            ds.setProperty("stickyfail.checkPassword", group.probePassword());
            if (mode.startsWith("serverFence")) {
                ds.setProperty("stickyfail.serverFence", mode.substring(mode.indexOf('=') + 1));
            } else {
                ds.setProperty("stickyfail.fenceReadOnly", "true");
                ds.setProperty("stickyfail.fenceUser", group.rootUser());
                ds.setProperty("stickyfail.fencePassword", group.rootPassword());
            }
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onSwitch(SwitchEvent event) {
                    switches.add(event);
                }

                @Override
                public void onServerFence(ServerFenceEvent event) {
                    fences.add(event);
                }
            });
            ds.getConnection().close();
            for (int round = 0; round < rounds; round++) {
                int from = group.server(0).hostAndPort().equals(admin.activeServer().orElse("")) ? 0 : 1;
                int to = 1 - from;
                awaitUp(admin, to);
                List<Connection> open = new ArrayList<>();
                List<Connection> own = new ArrayList<>();
                try {
                    for (int i = 0; i < sessions; i++) {
                        open.add(group.appConnection(from));
                    }
                    for (int i = 0; i < 4; i++) {
                        own.add(ds.getConnection());
                    }
                    switches.clear();
                    fences.clear();
                    long start = System.nanoTime();
                    admin.switchTo(group.server(to).hostAndPort());
                    callMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (switches.isEmpty() && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // the event follows on the event thread
                    }
                    switchMillis.add(switches.get(0).duration().toMillis());
                    // the fence's event is delivered before the switch's (events keep the decider's order)
                    killed += fences.stream().mapToLong(ServerFenceEvent::killed).sum();
                } finally {
                    for (Connection c : own) {
                        closeQuietly(c);
                    }
                    for (Connection c : open) {
                        closeQuietly(c);
                    }
                }
            }
        }
        System.out.printf("%-20s %26s %26s %16s%n", mode, stats(switchMillis), stats(callMillis),
                killed / Math.max(1, rounds));
    }

    private static void awaitUp(GroupAdmin admin, int index) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!admin.servers().get(index).getState().equals("UP") && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling the probe state between rounds
        }
    }

    private static String stats(List<Long> values) {
        List<Long> v = new ArrayList<>(values);
        Collections.sort(v);
        return v.get(v.size() / 2) + " / " + v.get(Math.min(v.size() - 1, (int) Math.ceil(v.size() * 0.9) - 1)) + " / "
                + v.get(v.size() - 1);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // killed by the fence: that is the point
        }
    }
}
