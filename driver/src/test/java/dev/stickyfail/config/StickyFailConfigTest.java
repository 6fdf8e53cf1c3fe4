package dev.stickyfail.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StickyFailConfigTest {

    private static final String SECRET = "s3cr3t-pa55";

    @Test
    void parsesHostsDatabaseAndSplitsPropertiesBetweenUsAndConnectorJ() throws SQLException {
        StickyFailConfig c = StickyFailConfig.from(
                "jdbc:stickyfail:mysql://db0:3307,DB1,[::1]:3309/app?user=app&password=" + SECRET
                        + "&stickyfail.checkInterval=2s&stickyfail.fall=5&sslMode=DISABLED", null);
        assertThat(c.servers()).containsExactly(new ServerAddress("db0", 3307), new ServerAddress("db1", 3306),
                new ServerAddress("::1", 3309));
        assertThat(c.servers().get(2)).hasToString("[::1]:3309");
        assertThat(c.database()).isEqualTo("app");
        assertThat(c.checkInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.fall()).isEqualTo(5);
        assertThat(c.connectorProperties()).containsEntry("sslMode", "DISABLED").containsEntry("user", "app")
                .doesNotContainKey("stickyfail.fall");
        assertThat(c.group()).as("the servers alone: one decision per set of servers").isEqualTo("db0:3307,db1:3306,[::1]:3309");
        assertThat(c.toString()).doesNotContain(SECRET).contains("password=****");
    }

    @Test
    void defaultsAreTheDocumentedOnes() throws SQLException {
        StickyFailConfig c = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/", null);
        assertThat(c.checkInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.checkFastInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.checkDownInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.checkTimeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(c.rise()).isEqualTo(2);
        assertThat(c.fall()).isEqualTo(3);
        assertThat(c.check()).isEqualTo("mysql");
        assertThat(c.failback()).isEqualTo(FailbackPolicy.NEVER);
        assertThat(c.onMarkedDown()).isEqualTo(OnMarkedDown.SHUTDOWN_SESSIONS);
        assertThat(c.observe()).isTrue();
        assertThat(c.failoverTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.stateFile()).isNull();
        assertThat(c.store()).isEqualTo("local");
        assertThat(c.database()).isNull();
        assertThat(c.group()).isEqualTo("a:3306,b:3306");
    }

    @Test
    void aSharedDecisionRefusesConnectionsThatReopenThemselves() throws SQLException {
        assertThatThrownBy(() -> StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/app?stickyfail.store=hazelcast"
                + "&autoReconnect=true", null))
                .isInstanceOf(java.sql.SQLNonTransientConnectionException.class)
                .hasMessageContaining("autoReconnect").hasMessageContaining("true").hasMessageContaining("false or unset");
        // a single instance decides alone: a pool's reconnect cannot outrun a decision it does not share
        assertThat(StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/app?autoReconnect=true", null).store()).isEqualTo("local");
    }

    @Test
    void fencePropertiesHaveTheirDefaultsAndThePasswordIsASecret() throws SQLException {
        StickyFailConfig c = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/app?user=app&password=" + SECRET, null);
        assertThat(c.serverFence()).isTrue();
        assertThat(c.fenceReadOnly()).isFalse();
        assertThat(c.serverFenceTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.fenceUser()).isEqualTo("app");
        assertThat(StickyFailProperty.FENCE_PASSWORD.isSecret()).isTrue();
        assertThatThrownBy(() -> StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/app?stickyfail.serverFenceTimeout=soon",
                null)).hasMessageContaining("stickyfail.serverFenceTimeout").hasMessageContaining("soon");
    }

    @Test
    void urlParametersWinOverGivenProperties() throws SQLException {
        Properties info = new Properties();
        info.setProperty("stickyfail.fall", "4");
        info.setProperty("stickyfail.rise", "7");
        StickyFailConfig c = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/db?stickyfail.fall=2", info);
        assertThat(c.fall()).isEqualTo(2);
        assertThat(c.rise()).isEqualTo(7);
    }

    @Test
    void probeCredentialsDefaultToTheConnectionsOwn() throws SQLException {
        Properties info = new Properties();
        info.setProperty("user", "app");
        info.setProperty("password", SECRET);
        StickyFailConfig same = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/db", info);
        assertThat(same.probeUser()).isEqualTo("app");
        assertThat(same.probePassword()).isEqualTo(SECRET);
        StickyFailConfig own = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/db?stickyfail.checkUser=probe&stickyfail.checkPassword=p", info);
        assertThat(own.probeUser()).isEqualTo("probe");
        assertThat(own.probePassword()).isEqualTo("p");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.fall=0                  | stickyfail.fall  | '0'   | a whole number from 1 to 100",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.rise=-1                 | stickyfail.rise  | '-1'  | a whole number from 1 to 100",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.checkInterval=abc       | stickyfail.checkInterval | 'abc' | a duration such as 500ms",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.checkTimeout=0          | stickyfail.checkTimeout | '0' | greater than zero",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.failback=always         | stickyfail.failback | 'always' | never, primary-up",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.onMarkedDown=drop       | stickyfail.onMarkedDown | 'drop' | shutdown-sessions, keep",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.observe=maybe           | stickyfail.observe | 'maybe' | true or false",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.check=ldap              | stickyfail.check | 'ldap' | mysql, tcp, sql, galera, replica",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.check=sql               | stickyfail.checkSql | '' | because stickyfail.check=sql",
            "jdbc:stickyfail:mysql://a,b/db?stickyfail.store=9redis            | stickyfail.store | '9redis' | local, hazelcast",
            "jdbc:stickyfail:mysql://a:99999,b/db                              | port | '99999' | host[:port]",
            "jdbc:stickyfail:mysql://a:x,b/db                                  | port | 'x' | host[:port]",
            "jdbc:stickyfail:mysql://a,,b/db                                   | host | '' | the host list has an empty entry",
            "jdbc:stickyfail:mysql:///db                                       | url | 'jdbc:stickyfail:mysql:///db' | no host given",
            "jdbc:stickyfail:mysql://a:3306,A/db                               | url | 'jdbc:stickyfail:mysql://a:3306,A/db' | a:3306 is listed twice",
            "jdbc:mysql://a,b/db                                               | url | 'jdbc:mysql://a,b/db' | a stickyfail URL starts with jdbc:stickyfail:",
            "jdbc:stickyfail:mariadb://a,b/db                                  | url | 'jdbc:stickyfail:mariadb://a,b/db' | only the mysql:// protocol",
    })
    void badInputGetsAnExceptionNamingPropertyValueAndExpectedForm(String url, String property, String value, String expected) {
        assertThatThrownBy(() -> StickyFailConfig.from(url, null))
                .isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining(property)
                .hasMessageContaining(value)
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
    }

    @Test
    void unknownStickyfailPropertyIsRejectedWithASuggestion() {
        assertThatThrownBy(() -> StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/db?stickyfail.checkIntervall=1s", null))
                .isInstanceOf(SQLNonTransientConnectionException.class)
                .hasMessageContaining("unknown property stickyfail.checkIntervall")
                .hasMessageContaining("did you mean stickyfail.checkInterval?");
    }

    @Test
    void passwordsNeverAppearInMessages() {
        Properties info = new Properties();
        info.setProperty("password", SECRET);
        List<String> urls = List.of(
                "jdbc:stickyfail:mysql://a,b/db?password=" + SECRET + "&stickyfail.fall=0",
                "jdbc:stickyfail:mysql://app:" + SECRET + "@a,b/db",
                "jdbc:mysql://a,b/db?password=" + SECRET,
                "jdbc:stickyfail:mysql://a,b/db?stickyfail.checkPassword=" + SECRET + "&stickyfail.nope=1",
                "jdbc:stickyfail:mysql://a,a/db?password=" + SECRET,
                "jdbc:stickyfail:mysql://a,b/db?password=%zz" + SECRET);
        for (String url : urls) {
            assertThatThrownBy(() -> StickyFailConfig.from(url, info))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        }
    }

    @Test
    void groupSettingsDifferencesNameTheProperties() throws SQLException {
        StickyFailConfig a = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/db?user=x", null);
        StickyFailConfig b = StickyFailConfig.from("jdbc:stickyfail:mysql://a,b/other?user=y&stickyfail.fall=5&stickyfail.group=a:3306,b:3306/db", null);
        assertThat(a.groupSettingsDifferences(a)).isEmpty();
        assertThat(a.groupSettingsDifferences(b)).singleElement().asString().contains("stickyfail.fall");
    }
}
