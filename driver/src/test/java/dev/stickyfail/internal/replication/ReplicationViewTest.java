package dev.stickyfail.internal.replication;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Views built from rows as the servers return them (canned: MySQL is not run here). */
class ReplicationViewTest {

    private static final String OLD_UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String NEW_UUID = "8a94f357-aab4-11df-86ab-c80aa9429562";
    private static final ReplicationSource OLD = new ReplicationSource("127.0.0.1", 3306);

    private static Map<String, String> row(String... keyValues) {
        Map<String, String> row = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            row.put(keyValues[i], keyValues[i + 1]);
        }
        return row;
    }

    private static Map<String, String> mariaDbSlave(String name, String host, String port, String io, String sql,
                                                    String usingGtid, String ioPos) {
        return row("Connection_name", name, "Master_Host", host, "Master_Port", port, "Slave_IO_Running", io,
                "Slave_SQL_Running", sql, "Using_Gtid", usingGtid, "Gtid_IO_Pos", ioPos, "Last_IO_Error", "",
                "Last_SQL_Error", "", "Master_Server_Id", "1");
    }

    @Test
    void mariaDbPicksTheConnectionFromTheSourceAmongSeveral() throws SQLException {
        ReplicationView view = ReplicationView.of(ServerFlavour.MARIADB,
                row("SERVER_IDENTITY", "2", "applied", "1-1-90,3-3-4", "own", "1-1-90,2-2-50,3-3-4", "gtid_mode", "ON"),
                List.of(mariaDbSlave("other", "10.0.0.9", "3306", "Yes", "Yes", "Slave_Pos", "3-3-4"),
                        mariaDbSlave("", "127.0.0.1", "3306", "Connecting", "Yes", "Slave_Pos", "1-1-100,2-2-50")),
                OLD);
        assertThat(view.notApplicable()).isEmpty();
        assertThat(view.serverIdentity()).isEqualTo("2");
        ReplicaChannel channel = view.channel().orElseThrow();
        assertThat(channel.name()).isEmpty();
        assertThat(channel.ioRunning()).isFalse();
        assertThat(channel.sqlRunning()).isTrue();
        assertThat(view.received()).hasToString("1-1-100,2-2-50");
        assertThat(view.applied()).hasToString("1-1-90,3-3-4");
        // Its own domain 2 is in Gtid_IO_Pos but it has it through its binlog: not pending.
        assertThat(view.pending()).hasToString("1-1-91..100");
        assertThat(view.had()).hasToString("1-1-100,2-2-50,3-3-4");
    }

    @Test
    void matchesByServerIdWhenTheHostIsSpelledDifferently() throws SQLException {
        ReplicationView view = ReplicationView.of(ServerFlavour.MARIADB,
                row("server_identity", "2", "applied", "", "own", "", "gtid_mode", "ON"),
                List.of(mariaDbSlave("a", "db0.internal", "3306", "Yes", "Yes", "Slave_Pos", "1-1-7")),
                new ReplicationSource("DB0", 3306, "1"));
        assertThat(view.received()).hasToString("1-1-7");
        ReplicationView byName = ReplicationView.of(ServerFlavour.MARIADB,
                row("server_identity", "2", "applied", "", "own", "", "gtid_mode", "ON"),
                List.of(mariaDbSlave("a", "DB0.internal", "3306", "Yes", "Yes", "Slave_Pos", "1-1-7")),
                new ReplicationSource("db0.internal", 3306));
        assertThat(byName.channel()).isPresent();
    }

    @Test
    void notApplicableWhenNotAReplicaOfTheSourceOrWithoutGtid() throws SQLException {
        Map<String, String> vars = row("server_identity", "2", "applied", "", "own", "2-2-5", "gtid_mode", "ON");
        assertThat(ReplicationView.of(ServerFlavour.MARIADB, vars, List.of(), OLD).notApplicable())
                .contains("it does not replicate from 127.0.0.1:3306 (it replicates from no server)");
        assertThat(ReplicationView.of(ServerFlavour.MARIADB, vars,
                List.of(mariaDbSlave("", "localhost", "3306", "Yes", "Yes", "Slave_Pos", "")), OLD).notApplicable())
                .contains("it does not replicate from 127.0.0.1:3306 (it replicates from localhost:3306; if that is "
                        + "127.0.0.1:3306 under another name, use the same name in the URL and in CHANGE MASTER TO)");
        ReplicationView noGtid = ReplicationView.of(ServerFlavour.MARIADB, vars,
                List.of(mariaDbSlave("", "127.0.0.1", "3306", "Yes", "Yes", "No", "")), OLD);
        assertThat(noGtid.notApplicable().orElseThrow()).contains("Using_Gtid=No");
        assertThat(noGtid.pending().isEmpty()).isTrue();
    }

    @Test
    void twoConnectionsFromTheSameSourceAreAnError() {
        assertThatThrownBy(() -> ReplicationView.of(ServerFlavour.MARIADB,
                row("server_identity", "2", "applied", "", "own", ""),
                List.of(mariaDbSlave("a", "127.0.0.1", "3306", "Yes", "Yes", "Slave_Pos", ""),
                        mariaDbSlave("b", "127.0.0.1", "3306", "Yes", "Yes", "Slave_Pos", "")), OLD))
                .isInstanceOf(SQLException.class).hasMessageContaining("more than one connection ('a' and 'b')");
    }

    @Test
    void malformedPositionNamesTheColumn() {
        assertThatThrownBy(() -> ReplicationView.of(ServerFlavour.MARIADB,
                row("server_identity", "2", "applied", "garbage", "own", ""), List.of(), OLD))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("cannot read @@gtid_slave_pos: not a MariaDB GTID set: 'garbage'");
    }

    @Test
    void mysqlReplicaStatusOf8022AndLater() throws SQLException {
        ReplicationView view = ReplicationView.of(ServerFlavour.MYSQL,
                row("server_identity", NEW_UUID, "applied", OLD_UUID + ":1-90,\n" + NEW_UUID + ":1-50",
                        "own", OLD_UUID + ":1-90,\n" + NEW_UUID + ":1-50", "gtid_mode", "ON"),
                List.of(row("Channel_Name", "", "Source_Host", "127.0.0.1", "Source_Port", "3306",
                        "Replica_IO_Running", "No", "Replica_SQL_Running", "Yes", "Source_UUID", OLD_UUID,
                        "Retrieved_Gtid_Set", OLD_UUID + ":1-100", "Last_IO_Error", "error reconnecting",
                        "Last_SQL_Error", "")),
                OLD);
        assertThat(view.flavour()).isEqualTo(ServerFlavour.MYSQL);
        assertThat(view.notApplicable()).isEmpty();
        assertThat(view.pending()).hasToString(OLD_UUID + ":91-100");
        assertThat(view.channel().orElseThrow().lastIoError()).isEqualTo("error reconnecting");
        assertThat(view.had()).hasToString(OLD_UUID + ":1-100," + NEW_UUID + ":1-50");
    }

    @Test
    void mysqlLegacySlaveStatusAndGtidModeOff() throws SQLException {
        List<Map<String, String>> rows = List.of(row("Channel_Name", "", "Master_Host", "127.0.0.1",
                "Master_Port", "3306", "Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes",
                "Master_UUID", OLD_UUID, "Retrieved_Gtid_Set", OLD_UUID + ":1-3", "Last_IO_Error", "",
                "Last_SQL_Error", ""));
        ReplicationView on = ReplicationView.of(ServerFlavour.MYSQL,
                row("server_identity", NEW_UUID, "applied", OLD_UUID + ":1-3", "own", OLD_UUID + ":1-3",
                        "gtid_mode", "ON"), rows, OLD);
        assertThat(on.pending().isEmpty()).isTrue();
        assertThat(on.channel().orElseThrow().sqlRunning()).isTrue();
        ReplicationView off = ReplicationView.of(ServerFlavour.MYSQL,
                row("server_identity", NEW_UUID, "applied", "", "own", "", "gtid_mode", "OFF"), rows, OLD);
        assertThat(off.notApplicable()).contains("gtid_mode is not ON");
    }

    @Test
    void flavourFromTheVersion() {
        assertThat(ServerFlavour.ofVersion("11.4.5-MariaDB-log")).isEqualTo(ServerFlavour.MARIADB);
        assertThat(ServerFlavour.ofVersion("8.4.3")).isEqualTo(ServerFlavour.MYSQL);
        assertThat(ServerFlavour.ofVersion(null)).isEqualTo(ServerFlavour.MYSQL);
    }
}
