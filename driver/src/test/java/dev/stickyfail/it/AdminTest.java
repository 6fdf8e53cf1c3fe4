package dev.stickyfail.it;

import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.time.Duration;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The admin API and its JMX face: every admin switch goes through the same path as an automatic one. */
@MariaDbGroupTest(size = 2)
class AdminTest {

    private final ServerGroup group;

    AdminTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void jmxShowsTheGroupAndItsOperationsSwitch() throws Exception {
        String groupName = "admin-jmx";
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), groupName, "")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.stickyfail:type=Group,name=" + ObjectName.quote(groupName));
            assertThat(mbs.getAttribute(name, "ActiveServer")).isEqualTo(name(0));
            assertThat(mbs.getAttribute(name, "Epoch")).isEqualTo(1L);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                CompositeData[] servers = (CompositeData[]) mbs.getAttribute(name, "Servers");
                return servers.length == 2 && "UP".equals(servers[0].get("state")) && "UP".equals(servers[1].get("state"))
                        && "PASS".equals(servers[1].get("lastProbeResult"));
            });
            CompositeData[] servers = (CompositeData[]) mbs.getAttribute(name, "Servers");
            assertThat(servers[0].get("server")).isEqualTo(name(0));
            assertThat(servers[0].get("active")).isEqualTo(true);
            for (String attribute : new String[] {"ActiveServer", "Servers", "Group"}) {
                assertThat(String.valueOf(mbs.getAttribute(name, attribute))).doesNotContain(group.appPassword())
                        .doesNotContain(group.probePassword());
            }

            mbs.invoke(name, "switchTo", new Object[] {name(1)}, new String[] {String.class.getName()});
            assertThat(mbs.getAttribute(name, "ActiveServer")).isEqualTo(name(1));
            assertThat(mbs.getAttribute(name, "Epoch")).isEqualTo(2L);
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        }
        assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(
                new ObjectName("dev.stickyfail:type=Group,name=" + ObjectName.quote(groupName)))).as("unregistered on close").isFalse();
        assertThat(StickyFail.group(groupName)).as("stopped when the last DataSource closed").isEmpty();
    }

    @Test
    void maintenanceMovesTrafficAwayDrainKeepsItAndNeitherIsChosen() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "admin-maint",
                "stickyfail.replaceIdleConnections=false")) { // the held connection is idle: it would be replaced
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.servers().get(1).getState().equals("UP"));

            admin.drain(name(0));
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).as("drain keeps sticky traffic").isEqualTo(group.server(0).serverId());
            }
            admin.ready(name(0));

            Connection held = ds.getConnection();
            admin.setMaintenance(name(0), true);
            assertThat(admin.activeServer()).contains(name(1));
            assertThat(held.isValid(1)).isFalse();
            held.close();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            assertThatThrownBy(() -> admin.switchTo(name(0)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("MAINT");
            assertThatThrownBy(() -> admin.switchTo("nowhere:1"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no server nowhere:1");

            admin.setMaintenance(name(0), false);
            admin.drain(name(1));
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).as("sticky: nothing moves by itself").isEqualTo(group.server(1).serverId());
            }
            admin.switchTo(name(0));
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            assertThatThrownBy(() -> admin.switchTo(name(1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("DRAIN");
            assertThat(admin.epoch()).isEqualTo(3);
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
