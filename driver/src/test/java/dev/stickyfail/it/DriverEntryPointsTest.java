package dev.stickyfail.it;

import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Swapping the URL is all it takes: DriverManager, the DataSource, and clear errors for bad input. */
@MariaDbGroupTest(size = 2)
class DriverEntryPointsTest {

    private final ServerGroup group;

    DriverEntryPointsTest(ServerGroup group) {
        this.group = group;
    }

    @Test
    void driverManagerConnectsToThePrimaryAndSharesOneRuntimePerGroup() throws Exception {
        String groupName = "entry-drivermanager";
        String url = Fixtures.url(group, group.hostList(), "user=" + group.appUser() + "&password=" + group.appPassword()
                + "&stickyfail.group=" + groupName);
        try {
            try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url)) {
                assertThat(serverId(a)).isEqualTo(group.server(0).serverId());
                assertThat(serverId(b)).isEqualTo(group.server(0).serverId());
                assertThat(a.toString()).contains(groupName).doesNotContain(group.appPassword());
            }
            assertThat(StickyFail.groups()).filteredOn(g -> g.name().equals(groupName)).hasSize(1);
            assertThat(StickyFail.group(groupName).orElseThrow().servers().get(0).getConnections()).isZero();
        } finally {
            assertThat(StickyFail.shutdown(groupName)).isTrue();
        }
    }

    @Test
    void sameGroupWithOtherSettingsIsRefusedClearly() throws Exception {
        try (StickyFailDataSource a = Fixtures.dataSource(group, group.hostList(), "entry-conflict", "");
             StickyFailDataSource b = Fixtures.dataSource(group, group.hostList(), "entry-conflict", "stickyfail.fall=7")) {
            a.getConnection().close();
            assertThatThrownBy(b::getConnection).isInstanceOf(SQLNonTransientConnectionException.class)
                    .hasMessageContaining("group 'entry-conflict' already runs in this JVM with other settings")
                    .hasMessageContaining("stickyfail.fall (3 vs 7)");
        }
    }

    @Test
    void badUrlsAndPropertiesGetClearErrorsWithoutThePassword() {
        String secret = group.appPassword();
        String[] urls = {
                Fixtures.url(group, group.hostList(), "stickyfail.bogus=1&password=" + secret),
                Fixtures.url(group, group.hostList(), "stickyfail.fall=0&password=" + secret),
                Fixtures.url(group, group.hostList(), "stickyfail.checkInterval=abc&password=" + secret),
                "jdbc:stickyfail:mysql:///" + group.database() + "?password=" + secret,
                "jdbc:stickyfail:mysql://" + group.server(0).hostAndPort() + ","
                        + group.server(0).hostAndPort() + "/app?password=" + secret,
        };
        for (String url : urls) {
            assertThatThrownBy(() -> DriverManager.getConnection(url)).as(url)
                    .isInstanceOf(SQLNonTransientConnectionException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
        }
        try (StickyFailDataSource ds = new StickyFailDataSource("jdbc:mysql://" + group.hostList() + "/app?password=" + secret)) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLNonTransientConnectionException.class)
                    .hasMessageContaining("a stickyfail URL starts with jdbc:stickyfail:")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
            assertThat(ds.toString()).doesNotContain(secret);
        }
        try (StickyFailDataSource ds = new StickyFailDataSource()) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLNonTransientConnectionException.class)
                    .hasMessageContaining("no URL set");
        }
    }

    @Test
    void aServerErrorIsReportedButNeverFailsOver() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "entry-badlogin", "")) {
            ds.getConnection().close();
            assertThatThrownBy(() -> ds.getConnection(group.appUser(), "wrong-password"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));
            assertThat(ds.admin().activeServer()).contains(group.server(0).hostAndPort());
            assertThat(ds.admin().servers().get(0).getState()).isEqualTo("UP");
        }
    }

    @Test
    void aConnectionTheApplicationNeverClosesIsClosedOnceCollected() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "entry-leak", "")) {
            openAndForget(ds);
            assertThat(ds.admin().servers().get(0).getConnections()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                System.gc(); // the only way to let the collector find the forgotten wrapper
                return ds.admin().servers().get(0).getConnections() == 0;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> group.server(0).connectionCount(group.appUser()) == 0);
        }
    }

    private static void openAndForget(StickyFailDataSource ds) throws SQLException {
        Connection forgotten = ds.getConnection();
        assertThat(serverId(forgotten)).isPositive();
    }

    @Test
    void propertyInfoListsOurPropertiesWithDefaultsThenConnectorJs() throws SQLException {
        DriverPropertyInfo[] info = DriverManager.getDriver("jdbc:stickyfail:mysql://a,b/db")
                .getPropertyInfo("jdbc:stickyfail:mysql://a,b/db?stickyfail.fall=5", new Properties());
        assertThat(info[0].name).isEqualTo("stickyfail.checkInterval");
        assertThat(info[0].value).isEqualTo("500ms");
        assertThat(info[0].description).contains("HAProxy: inter");
        assertThat(Arrays.stream(info).filter(p -> p.name.equals("stickyfail.fall")).findFirst().orElseThrow().value).isEqualTo("5");
        assertThat(Arrays.stream(info).map(p -> p.name)).contains("socketTimeout", "sslMode");
    }
}
