package dev.stickyfail.micrometer;

import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The meters after a real failover: the primary is killed while the application holds connections to it. */
@MariaDbGroupTest(size = 2)
class StickyFailMetricsTest {

    private final ServerGroup group;

    StickyFailMetricsTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void afterAFailoverTheMetersShowOneSwitchWithItsReasonAndDurationTheNewActiveServerEvictionsAndCheckTimings()
            throws Exception {
        String name = "metrics-failover";
        String db0 = group.server(0).hostAndPort();
        String db1 = group.server(1).hostAndPort();
        MeterRegistry registry = new SimpleMeterRegistry();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicReference<SwitchEvent> failover = new AtomicReference<>();
        StickyFailListener recorder = new StickyFailListener() {
            @Override
            public void onSwitch(SwitchEvent e) {
                if (e.group().equals(name) && e.from() != null) {
                    failover.set(e);
                }
            }
        };
        StickyFail.addGlobalListener(recorder);
        List<Connection> held = new ArrayList<>();
        try (StickyFailMetrics metrics = new StickyFailMetrics(name::equals);
             StickyFailDataSource ds = dataSource(name)) {
            metrics.bindTo(registry);
            metrics.bindTo(prometheus);
            for (int i = 0; i < 3; i++) {
                held.add(ds.getConnection());
            }
            GroupAdmin admin = ds.admin();
            await().atMost(Duration.ofSeconds(10)).until(() -> gauge(registry, "stickyfail.server.active", name, db0) == 1);
            assertThat(gauge(registry, "stickyfail.connections.open", name, db0)).isEqualTo(3);
            assertThat(gauge(registry, "stickyfail.server.up", name, db1)).isEqualTo(1);

            group.server(0).kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> failover.get() != null);
            SwitchEvent e = failover.get();
            // the recorder and the metrics listener run one after the other on the group's event thread
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("stickyfail.switches")
                    .tags("group", name, "reason", "marked-down").counter() != null);

            assertThat(registry.get("stickyfail.switches").tags("group", name, "reason", "marked-down").counter().count())
                    .isEqualTo(1);
            Timer duration = registry.get("stickyfail.switch.duration").tags("group", name, "reason", "marked-down").timer();
            assertThat(duration.count()).isEqualTo(1);
            assertThat(duration.totalTime(TimeUnit.NANOSECONDS)).isEqualTo((double) e.detectionToServing().toNanos());
            assertThat(gauge(registry, "stickyfail.server.active", name, db1)).isEqualTo(1);
            assertThat(gauge(registry, "stickyfail.server.active", name, db0)).isZero();
            assertThat(gauge(registry, "stickyfail.server.up", name, db0)).isZero();
            assertThat(gauge(registry, "stickyfail.connections.open", name, db0)).isZero();
            assertThat(registry.get("stickyfail.connections.evicted").tags("group", name, "server", db0).counter().count())
                    .isGreaterThan(0);
            assertThat(registry.get("stickyfail.decision.epoch").tag("group", name).gauge().value())
                    .isEqualTo((double) admin.epoch()).isEqualTo((double) e.epoch());
            assertThat(registry.get("stickyfail.decision.persisted").tag("group", name).gauge().value()).isEqualTo(1);
            // killed: the fence at the server was tried (briefly: it is down here) and found nothing answering
            assertThat(registry.get("stickyfail.fences.server").tags("group", name, "server", db0, "result", "not-answered")
                    .counter().count()).isEqualTo(1);
            Timer passes = registry.get("stickyfail.check.duration").tags("group", name, "server", db1, "result", "pass").timer();
            assertThat(passes.count()).isPositive();
            assertThat(passes.max(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.find("stickyfail.check.duration").tags("group", name, "server", db0).timers())
                    .as("the failed or refused checks of the killed primary")
                    .anySatisfy(t -> assertThat(t.getId().getTag("result")).isIn("fail", "refused"));

            assertDocumentedPrometheusNames(prometheus.scrape(), name);

            for (Meter m : registry.getMeters()) {
                for (Tag t : m.getId().getTags()) {
                    assertThat(t.getValue()).as(m.getId() + " tag " + t.getKey())
                            .doesNotContain(group.appPassword()).doesNotContain(group.probePassword())
                            .doesNotContain(group.appUser()).doesNotContain("jdbc:");
                }
            }
        } finally {
            StickyFail.removeGlobalListener(recorder);
            for (Connection c : held) {
                c.close();
            }
        }
    }

    /**
     * A switch to a backup whose applier is stopped, with a 1 s catch-up: the 5 commits the application was told
     * succeeded on the killed primary are counted on the backup, under the Prometheus name docs/metrics.md gives.
     */
    @Test
    void aSwitchWithoutAcknowledgedCommitsIsCounted() throws Exception {
        String name = "metrics-missing";
        String db1 = group.server(1).hostAndPort();
        try (Connection c = group.adminConnection(0); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS metrics_missing");
            st.execute("CREATE TABLE metrics_missing (id INT PRIMARY KEY)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        MeterRegistry registry = new SimpleMeterRegistry();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (StickyFailMetrics metrics = new StickyFailMetrics(name::equals);
             StickyFailDataSource ds = dataSource(name)) {
            ds.setProperty("stickyfail.switchCatchUpTimeout", "1s");
            metrics.bindTo(registry);
            metrics.bindTo(prometheus);
            group.stopApplier(1);
            try (Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
                for (int i = 0; i < 5; i++) {
                    st.executeUpdate("INSERT INTO metrics_missing VALUES (" + i + ")");
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> registry.find("stickyfail.switch.missing.commits")
                    .tags("group", name, "server", db1).counter() != null);
            assertThat(registry.get("stickyfail.switch.missing.commits").tags("group", name, "server", db1).counter()
                    .count()).isEqualTo(5);
            assertThat(prometheus.scrape()).contains("stickyfail_switch_missing_commits_total{group=\"" + name
                    + "\",server=\"" + db1 + "\"} 5.0");
        }
    }

    /**
     * Every name in docs/metrics.md's Prometheus column is what a real PrometheusMeterRegistry exports, and every
     * stickyfail series the scrape holds is documented. The errant-transactions counter appears only when an abandoned
     * server returns with writes of its own, the missing-commits counter only when a switch leaves acknowledged commits
     * behind: their names are checked through the registry's own naming convention (and the latter's registration in
     * {@code aSwitchWithoutAcknowledgedCommitsIsCounted}).
     */
    private static final Map<String, String> EVENT_ONLY = Map.of("stickyfail.errant.transactions", "transactions",
            "stickyfail.switch.missing.commits", "commits");

    private static void assertDocumentedPrometheusNames(String scrape, String group) throws Exception {
        String doc = Files.readString(Path.of("../../docs/metrics.md"));
        Matcher row = Pattern.compile("(?m)^\\| `(stickyfail\\.[a-z.]+)` \\| (gauge|timer|counter) \\|[^|]*\\| `(stickyfail_[a-z_]+)` \\|")
                .matcher(doc);
        Map<String, String> documented = new LinkedHashMap<>();
        while (row.find()) {
            documented.put(row.group(1), row.group(3));
        }
        assertThat(documented).as("the Prometheus column of docs/metrics.md").hasSize(15);
        Set<String> scraped = new TreeSet<>();
        Matcher series = Pattern.compile("(?m)^(stickyfail_[a-z_]+?)(_count|_sum|_max|_bucket)?\\{group=\"" + group + "\"").matcher(scrape);
        while (series.find()) {
            scraped.add(series.group(1));
        }
        for (Map.Entry<String, String> e : documented.entrySet()) {
            if (EVENT_ONLY.containsKey(e.getKey())) {
                Meter.Id id = new Meter.Id(e.getKey(), Tags.empty(), EVENT_ONLY.get(e.getKey()), null, Meter.Type.COUNTER);
                assertThat(new PrometheusNamingConvention().name(id.getName(), id.getType(), id.getBaseUnit()) + "_total")
                        .isEqualTo(e.getValue());
            } else if (!e.getKey().equals("stickyfail.switch.catchup") || scraped.contains(e.getValue())) {
                assertThat(scraped).as(e.getKey() + " in the scrape:\n" + scrape).contains(e.getValue());
            }
        }
        assertThat(documented.values()).as("every stickyfail series of the scrape is documented").containsAll(scraped);
    }

    private static double gauge(MeterRegistry registry, String meter, String group, String server) {
        return registry.get(meter).tags("group", group, "server", server).gauge().value();
    }

    private StickyFailDataSource dataSource(String name) {
        StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database());
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.group", name);
        ds.setProperty("stickyfail.checkUser", group.probeUser());
        ds.setProperty("stickyfail.checkPassword", group.probePassword());
        return ds;
    }
}
