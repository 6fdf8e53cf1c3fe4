package dev.stickyfail.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.SQLExceptionOverride.Override;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Finding a pool's group from its configuration, and the eviction override; no server needed. */
class StickyFailHikariTest {

    @Test
    void theGroupOfAJdbcUrlPoolIsTheDriversDefaultNameOrStickyfailGroup() throws SQLException {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl("jdbc:stickyfail:mysql://db0:3306,db1:3306/app");
        assertThat(StickyFailHikari.groupOf(hc)).isEqualTo("db0:3306,db1:3306");

        hc.addDataSourceProperty("stickyfail.group", "orders");
        assertThat(StickyFailHikari.groupOf(hc)).isEqualTo("orders");

        hc.setJdbcUrl("jdbc:stickyfail:mysql://db0,db1/app?stickyfail.group=billing");
        assertThat(StickyFailHikari.groupOf(hc)).as("a URL parameter wins, as in the driver").isEqualTo("billing");
    }

    @Test
    void theGroupOfADataSourceClassNamePoolComesFromItsUrlAndConnectionProperties() throws SQLException {
        HikariConfig hc = new HikariConfig();
        hc.setDataSourceClassName("dev.stickyfail.StickyFailDataSource");
        hc.addDataSourceProperty("url", "jdbc:stickyfail:mysql://db0,db1/app");
        hc.addDataSourceProperty("password", "secret");
        assertThat(StickyFailHikari.groupOf(hc)).isEqualTo("db0:3306,db1:3306");

        hc.addDataSourceProperty("connectionProperties", "sslMode=REQUIRED; stickyfail.group=orders ;stickyfail.fall=2");
        assertThat(StickyFailHikari.groupOf(hc)).isEqualTo("orders");
        assertThat(StickyFailHikari.usesStickyFail(hc)).isTrue();
    }

    @Test
    void aPoolWithoutStickyfailOrWithABadUrlIsRefusedWithAClearMessage() {
        HikariConfig other = new HikariConfig();
        other.setJdbcUrl("jdbc:mysql://db0/app");
        other.setPoolName("plain");
        assertThat(StickyFailHikari.usesStickyFail(other)).isFalse();
        assertThatThrownBy(() -> StickyFailHikari.groupOf(other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plain").hasMessageContaining("jdbcUrl=jdbc:stickyfail:");

        HikariConfig noUrl = new HikariConfig();
        noUrl.setDataSourceClassName("dev.stickyfail.StickyFailDataSource");
        assertThatThrownBy(() -> StickyFailHikari.groupOf(noUrl)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dataSource.url");

        HikariConfig bad = new HikariConfig();
        bad.setJdbcUrl("jdbc:stickyfail:mysql://db0,db1/app?stickyfail.fal=2&password=hunter2");
        assertThatThrownBy(() -> StickyFailHikari.groupOf(bad)).isInstanceOf(SQLException.class)
                .hasMessageContaining("stickyfail.fal").hasMessageNotContaining("hunter2");
    }

    @Test
    void aConnectionWhoseCommitOutcomeIsUnknownIsAlwaysEvictedOtherwiseHikariDecides() {
        StickyFailExceptionOverride override = new StickyFailExceptionOverride();
        assertThat(override.adjudicate(new SQLException("commit in flight", "08007"))).isEqualTo(Override.MUST_EVICT);
        SQLException wrapped = new SQLException("wrapper", "HY000", new SQLTransientConnectionException("x", "08007"));
        assertThat(override.adjudicate(wrapped)).isEqualTo(Override.MUST_EVICT);
        SQLException chained = new SQLException("batch", "HY000");
        chained.setNextException(new SQLException("commit", "08007"));
        assertThat(override.adjudicate(chained)).isEqualTo(Override.MUST_EVICT);

        assertThat(override.adjudicate(new SQLException("aborted", "08S01"))).isEqualTo(Override.CONTINUE_EVICT);
        assertThat(override.adjudicate(new SQLException("duplicate key", "23000"))).isEqualTo(Override.CONTINUE_EVICT);
        assertThat(override.adjudicate(new SQLException("no state"))).isEqualTo(Override.CONTINUE_EVICT);
    }
}
