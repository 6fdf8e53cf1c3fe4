package dev.stickyfail.benchmarks.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.hikari.StickyFailExceptionOverride;
import dev.stickyfail.hikari.StickyFailHikari;
import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.Timeline;
import dev.stickyfail.testkit.workload.TimelineEvent;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * HikariCP over a {@link StickyFailDataSource}: default settings unless the spec adds properties; with
 * {@code integrated}, also stickyfail's HikariCP integration ({@link StickyFailHikari}: the pool is retired when a
 * switch starts) and its exception override.
 */
final class StickyFailContender implements Contender {

    private final String name;
    private final String properties;
    private final boolean integrated;

    StickyFailContender(String name, String properties, boolean integrated) {
        // a password given on the command line (stickyfail.checkPassword=...) is not printed in the report
        this.name = name.replaceAll("(?i)(password=)[^&,]*", "$1***");
        this.properties = properties;
        this.integrated = integrated;
    }

    @Override
    public String name() {
        return name;
    }

    private String url(FailoverScenario scenario) {
        return "jdbc:stickyfail:mysql://" + scenario.topology().hostList() + "/" + scenario.topology().group().database()
                + (properties.isEmpty() ? "" : "?" + properties);
    }

    @Override
    public String settings(FailoverScenario scenario) {
        return scenario.topology().relabel(url(scenario)).replaceAll("(?i)(password=)[^&,]*", "$1***") + (properties.isEmpty() ? "  (default settings)" : "")
                + (integrated ? ", with StickyFailHikari.register(pool) and StickyFailExceptionOverride" : "");
    }

    @Override
    public List<WorkloadClient> open(FailoverScenario scenario, int poolSize) throws SQLException {
        ServerGroup group = scenario.topology().group();
        StickyFailDataSource ds = new StickyFailDataSource(url(scenario));
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.group", scenario.runId());
        GroupAdmin admin = ds.admin();
        admin.addListener(new Events(scenario.timeline()));
        HikariConfig hc = Pools.config(name, poolSize);
        hc.setDataSource(ds);
        if (integrated) {
            hc.setExceptionOverrideClassName(StickyFailExceptionOverride.class.getName());
        }
        HikariDataSource pool = new HikariDataSource(hc);
        StickyFailHikari.Registration registration = integrated ? StickyFailHikari.register(pool, admin.name()) : null;
        return List.of(new WorkloadClient(name, pool, () -> {
            if (registration != null) {
                registration.close();
            }
            pool.close();
            ds.close();
        }));
    }

    /** stickyfail's switches and server state changes, on the run's timeline (the report marks switches). */
    private static final class Events implements StickyFailListener {
        private final Timeline timeline;

        Events(Timeline timeline) {
            this.timeline = timeline;
        }

        @Override
        public void onSwitch(SwitchEvent e) {
            if (e.from() != null) {
                timeline.add(TimelineEvent.Kind.SWITCH, "stickyfail switched " + e.from() + " -> " + e.to() + " (epoch "
                        + e.epoch() + ", " + e.evicted() + " connection(s) aborted, "
                        + String.format(Locale.ROOT, "%.1f ms", e.duration().toNanos() / 1e6) + "): " + e.reason());
            }
        }

        @Override
        public void onServerStateChange(ServerStateEvent e) {
            if (e.to() == ServerState.DOWN || (e.to() == ServerState.UP && e.from() != ServerState.UNKNOWN)) {
                timeline.add(TimelineEvent.Kind.SERVER_STATE, "stickyfail marked " + e.server() + " " + e.to());
            }
        }
    }
}
