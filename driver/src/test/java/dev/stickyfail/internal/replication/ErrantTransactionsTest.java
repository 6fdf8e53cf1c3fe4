package dev.stickyfail.internal.replication;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrantTransactionsTest {

    private static final String OLD_UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String NEW_UUID = "8a94f357-aab4-11df-86ab-c80aa9429562";
    private static final ReplicationSource OLD = new ReplicationSource("127.0.0.1", 3306);

    private static ReplicationView mariaDbView(String received, String applied, String own) throws SQLException {
        Map<String, String> vars = new HashMap<>(Map.of("server_identity", "2", "applied", applied, "own", own));
        Map<String, String> status = new HashMap<>(Map.of("Connection_name", "", "Master_Host", "127.0.0.1",
                "Master_Port", "3306", "Slave_IO_Running", "No", "Slave_SQL_Running", "Yes",
                "Using_Gtid", "Slave_Pos", "Gtid_IO_Pos", received));
        return ReplicationView.of(ServerFlavour.MARIADB, vars, List.of(status), OLD);
    }

    @Test
    void unshippedCommitsOfTheOldPrimary() throws SQLException {
        ReplicationView atSwitch = mariaDbView("1-1-100", "1-1-100", "1-1-100,2-2-40");
        ErrantTransactions errant = ErrantTransactions.compute("127.0.0.1:3306", "127.0.0.1:3307", atSwitch,
                MariaDbGtidSet.parse("1-1-120,2-2-40"));
        assertThat(errant.count()).isEqualTo(20);
        assertThat(errant.exact()).isTrue();
        assertThat(errant.ranges()).extracting(GtidRange::toString).containsExactly("1-1-101..120");
        assertThat(errant.describe()).isEqualTo("127.0.0.1:3306 has 20 transaction(s) that 127.0.0.1:3307 had not "
                + "received when it became active: 1-1-101..120");
    }

    @Test
    void theNewPrimarysOwnWritesReplicatedBackAreNotErrant() throws SQLException {
        // Same domain 0 for both servers, histories diverged: old wrote 0-1-101..120, new 0-2-101..150 after.
        ReplicationView atSwitch = mariaDbView("0-1-100", "0-1-100", "0-1-100");
        ErrantTransactions errant = ErrantTransactions.compute("old", "new", atSwitch,
                MariaDbGtidSet.parse("0-1-120,0-2-150"));
        assertThat(errant.transactions()).hasToString("0-1-101..120");
        assertThat(errant.exact()).isTrue();
        // And in its own domain after the switch.
        ErrantTransactions none = ErrantTransactions.compute("old", "new", mariaDbView("1-1-100", "1-1-100",
                "1-1-100,2-2-40"), MariaDbGtidSet.parse("1-1-100,2-2-90"));
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.describe()).isEqualTo("old has no transaction that new had not received when it became "
                + "active");
    }

    @Test
    void severalWritersInOneDomainGiveAnUpperBound() throws SQLException {
        ErrantTransactions errant = ErrantTransactions.compute("old", "new", mariaDbView("0-1-100", "", ""),
                MariaDbGtidSet.parse("0-1-120,0-3-110"));
        assertThat(errant.exact()).isFalse();
        assertThat(errant.describe()).startsWith("old has at most 30 transaction(s)")
                .endsWith("0-1-101..120,0-3-101..110");
    }

    @Test
    void mysql() throws SQLException {
        ReplicationView atSwitch = ReplicationView.of(ServerFlavour.MYSQL,
                Map.of("server_identity", NEW_UUID, "applied", OLD_UUID + ":1-90," + NEW_UUID + ":1-5",
                        "own", OLD_UUID + ":1-90," + NEW_UUID + ":1-5", "gtid_mode", "ON"),
                List.of(Map.of("Channel_Name", "", "Source_Host", "127.0.0.1", "Source_Port", "3306",
                        "Replica_IO_Running", "No", "Replica_SQL_Running", "Yes",
                        "Retrieved_Gtid_Set", OLD_UUID + ":1-100")), OLD);
        ErrantTransactions errant = ErrantTransactions.compute("old", "new", atSwitch,
                MysqlGtidSet.parse(OLD_UUID + ":1-103:105," + NEW_UUID + ":1-70"));
        assertThat(errant.count()).isEqualTo(4);
        assertThat(errant.describe()).endsWith(": " + OLD_UUID + ":101-103," + OLD_UUID + ":105");
    }

    @Test
    void longListsAreCutInTheLogLine() throws SQLException {
        StringBuilder old = new StringBuilder("1-1-100");
        for (int i = 0; i < 15; i++) {
            old.append(",1-1-").append(200 + 2 * i).append("..").append(200 + 2 * i);
        }
        ErrantTransactions errant = ErrantTransactions.compute("old", "new", mariaDbView("1-1-50", "", ""),
                MariaDbGtidSet.parse(old.toString()));
        assertThat(errant.count()).isEqualTo(65);
        assertThat(errant.ranges()).hasSize(16);
        assertThat(errant.describe()).endsWith("and 6 more range(s)").contains("1-1-51..100,1-1-200,1-1-202");
    }
}
