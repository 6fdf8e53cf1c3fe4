package dev.stickyfail.samples.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.hikari.StickyFailExceptionOverride;
import dev.stickyfail.hikari.StickyFailHikari;
import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.Timeline;
import dev.stickyfail.testkit.workload.TimelineEvent;
import dev.stickyfail.testkit.workload.Topology;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

/**
 * One application instance: a HikariCP pool (as many connections as writers) over a {@link StickyFailDataSource}
 * at default settings, with the real HikariCP integration a user adds ({@code stickyfail-hikari}:
 * {@link StickyFailHikari#register} and {@link StickyFailExceptionOverride}). Its switches and server state changes go
 * on the scenario's timeline.
 */
final class HikariPoolClients implements DemoClients {

    private final Topology topology;
    private final int poolSize;
    private final Consumer<String> setupLine;
    private volatile GroupAdmin admin;

    HikariPoolClients(Topology topology, int poolSize, Consumer<String> setupLine) {
        this.topology = topology;
        this.poolSize = poolSize;
        this.setupLine = setupLine;
    }

    @Override
    public String description() {
        return "HikariCP and jdbc:stickyfail: (default settings, with the stickyfail-hikari integration)";
    }

    @Override
    public String url() {
        return "jdbc:stickyfail:mysql://" + topology.hostList() + "/" + topology.group().database();
    }

    @Override
    public List<WorkloadClient> open(FailoverScenario scenario) throws SQLException {
        ServerGroup group = topology.group();
        StickyFailDataSource ds = new StickyFailDataSource(url());
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.group", "demo-" + scenario.runId());
        GroupAdmin a = ds.admin();
        a.addListener(new Narration(scenario.timeline(), a));
        admin = a;
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("demo");
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(poolSize);
        hc.setMinimumIdle(poolSize);
        hc.setExceptionOverrideClassName(StickyFailExceptionOverride.class.getName());
        HikariDataSource pool = new HikariDataSource(hc);
        StickyFailHikari.Registration registration = StickyFailHikari.register(pool, a.name());
        return List.of(new WorkloadClient("HikariCP + stickyfail", pool, () -> {
            registration.close();
            pool.close();
            ds.close();
        }));
    }

    @Override
    public String status() {
        GroupAdmin a = admin;
        if (a == null) {
            return "";
        }
        return a.activeServer().map(topology::relabel).orElse("none") + " (epoch " + a.epoch() + ")";
    }

    /** stickyfail's events, as timeline lines. */
    private final class Narration implements StickyFailListener {
        private final Timeline timeline;
        private final GroupAdmin admin;

        Narration(Timeline timeline, GroupAdmin admin) {
            this.timeline = timeline;
            this.admin = admin;
        }

        @Override
        public void onSwitch(SwitchEvent e) {
            if (e.from() == null) {
                setupLine.accept("stickyfail chose " + topology.relabel(e.to().toString()) + " as the active server (epoch "
                        + e.epoch() + ")");
                return;
            }
            timeline.add(TimelineEvent.Kind.SWITCH, "stickyfail switched " + e.from() + " -> " + e.to() + " (epoch "
                    + e.epoch() + ") in " + String.format(java.util.Locale.ROOT, "%.1f ms", e.duration().toNanos() / 1e6)
                    + ": " + e.reason());
        }

        @Override
        public void onEviction(EvictionEvent e) {
            if (e.connections() > 0) {
                timeline.add(TimelineEvent.Kind.NOTE, "stickyfail aborted " + e.connections() + " connection(s) to "
                        + e.server() + ", idle and in use, in " + String.format(java.util.Locale.ROOT, "%.1f ms",
                        e.duration().toNanos() / 1e6) + " (" + e.reason() + ")");
            }
        }

        @Override
        public void onServerStateChange(ServerStateEvent e) {
            if (e.to() == ServerState.DOWN) {
                timeline.add(TimelineEvent.Kind.SERVER_STATE, "stickyfail marked " + e.server() + " DOWN (" + e.cause() + ")");
            } else if (e.to() == ServerState.UP && e.from() != ServerState.UNKNOWN) {
                timeline.add(TimelineEvent.Kind.SERVER_STATE, "stickyfail marked " + e.server() + " UP again; the active "
                        + "server stays " + admin.activeServer().orElse("none") + " (sticky, no failback)");
            }
        }
    }
}
