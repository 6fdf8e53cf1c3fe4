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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
            Timer passes = registry.get("stickyfail.check.duration").tags("group", name, "server", db1, "result", "pass").timer();
            assertThat(passes.count()).isPositive();
            assertThat(passes.max(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.find("stickyfail.check.duration").tags("group", name, "server", db0).timers())
                    .as("the failed or refused checks of the killed primary")
                    .anySatisfy(t -> assertThat(t.getId().getTag("result")).isIn("fail", "refused"));

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
