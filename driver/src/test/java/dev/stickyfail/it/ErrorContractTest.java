package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The error contract, one row of the wrappers' rule table at a time, on real servers: each call below is sent to
 * db0, which is frozen so that the call is in flight, and then the fault hits: the probes find the server hung and
 * the group switches ({@code freeze}), an operator switches ({@code fence}: admin switchTo while the call is in
 * flight), or the hung server is killed ({@code kill}). A call that may have committed must say {@code 08007}
 * (outcome unknown), one that cannot must say {@code 08S01}; and what the old server did with it once it runs again
 * (thawed) must agree: a row after an {@code 08S01} would be a lie that a retry turns into a duplicate. A server
 * killed while frozen never read the call (its kernel resets the connection with the request unread): {@code 08S01},
 * and no row.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ErrorContractTest {

    private static final String TABLE = "contract";
    private final ServerGroup group;

    ErrorContractTest(ServerGroup group) {
        this.group = group;
    }

    @BeforeAll
    static void schema(ServerGroup group) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
            st.execute("CREATE TABLE " + TABLE + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(64) NOT NULL)");
            st.execute("DROP PROCEDURE IF EXISTS contract_insert_commit");
            st.execute("CREATE PROCEDURE contract_insert_commit(t VARCHAR(64)) BEGIN INSERT INTO " + TABLE
                    + " (tag) VALUES (t); COMMIT; END");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(120));
    }

    /** What the application did before (on a healthy server), and the call that is in flight when the fault hits. */
    @FunctionalInterface
    interface Step {
        void run(Connection c, String tag) throws SQLException;
    }

    /** The call in flight; it runs {@code freeze} (db0 frozen) where the fault must hit, before its last request. */
    @FunctionalInterface
    interface Call {
        void run(Connection c, String tag, Runnable freeze) throws SQLException;
    }

    /** A call that is one request: db0 is frozen just before it. */
    static Call frozen(Step step) {
        return (c, tag, freeze) -> {
            freeze.run();
            step.run(c, tag);
        };
    }

    /**
     * @param committed whether the call, once the frozen server runs it, commits the tag's row (what 08007 warns of)
     * @param evidence  appended to the tag: the row the call's commit leaves
     * @param killedState the SQLState when db0 is killed with the call unread: {@code 08S01} (nothing ran), unless
     *                  Connector/J hides the reset that tells it
     */
    record Row(String name, String params, Step before, Call call, String sqlState, boolean committed, String evidence,
               String killedState) {

        Row(String name, String params, Step before, Call call, String sqlState, boolean committed) {
            this(name, params, before, call, sqlState, committed, "", "08S01");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("setAutoCommit(true) with a transaction open", "", (c, tag) -> {
            c.setAutoCommit(false);
            insert(c, tag);
        }, frozen((c, tag) -> c.setAutoCommit(true)), "08007", true));
        rows.add(new Row("setAutoCommit(true) with none open", "", (c, tag) -> c.setAutoCommit(false),
                frozen((c, tag) -> c.setAutoCommit(true)), "08S01", false));
        rows.add(new Row("commit()", "", (c, tag) -> {
            c.setAutoCommit(false);
            insert(c, tag);
        }, frozen((c, tag) -> c.commit()), "08007", true));
        rows.add(new Row("DDL in a transaction", "", (c, tag) -> {
            c.setAutoCommit(false);
            insert(c, tag);
        }, frozen((c, tag) -> execute(c, "CREATE TABLE IF NOT EXISTS contract_ddl (a INT)")), "08007", true));
        rows.add(new Row("LOCK TABLES in a transaction", "", (c, tag) -> {
            c.setAutoCommit(false);
            insert(c, tag);
        }, frozen((c, tag) -> execute(c, "LOCK TABLES " + TABLE + " WRITE")), "08007", true));
        rows.add(new Row("{call} of a procedure that commits", "", (c, tag) -> c.setAutoCommit(false), (c, tag, freeze) -> {
            try (CallableStatement cs = c.prepareCall("{call contract_insert_commit(?)}")) {
                cs.setString(1, tag);
                freeze.run();
                cs.execute();
            }
        }, "08007", true));
        rows.add(new Row("INSERT; COMMIT in one string (allowMultiQueries)", "allowMultiQueries=true",
                (c, tag) -> c.setAutoCommit(false),
                frozen((c, tag) -> execute(c, "INSERT INTO " + TABLE + " (tag) VALUES ('" + tag + "'); COMMIT")), "08007",
                true));
        // killed: Connector/J's batch reports only that its statement was closed (S1009), not the reset: 08007 stays
        rows.add(new Row("executeBatch in autocommit mode", "", (c, tag) -> { }, (c, tag, freeze) -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (tag) VALUES (?)")) {
                ps.setString(1, tag);
                ps.addBatch();
                ps.setString(1, tag);
                ps.addBatch();
                freeze.run();
                ps.executeBatch();
            }
        }, "08007", true, "", "08007"));
        rows.add(new Row("executeBatch of inserts in a transaction, after a batch with DDL on the same statement", "",
                (c, tag) -> { }, (c, tag, freeze) -> {
                    try (Statement st = c.createStatement()) {
                        st.addBatch("CREATE TABLE IF NOT EXISTS contract_batch (a INT)");
                        st.executeBatch(); // JDBC empties the batch: what it held must not judge the next one
                        c.setAutoCommit(false);
                        st.addBatch("INSERT INTO " + TABLE + " (tag) VALUES ('" + tag + "')");
                        st.addBatch("INSERT INTO " + TABLE + " (tag) VALUES ('" + tag + "')");
                        freeze.run();
                        st.executeBatch();
                    }
                }, "08S01", false));
        rows.add(new Row("INSERT in a transaction", "", (c, tag) -> c.setAutoCommit(false),
                frozen(ErrorContractTest::insert), "08S01", false));
        rows.add(new Row("INSERT in autocommit mode through rs.getStatement()", "", (c, tag) -> { }, (c, tag, freeze) -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                assertThat(rs.getStatement()).isSameAs(st);
                assertThat(rs.getStatement().getConnection()).isSameAs(c);
                freeze.run();
                rs.getStatement().executeUpdate("INSERT INTO " + TABLE + " (tag) VALUES ('" + tag + "')");
            }
        }, "08007", true));
        rows.add(new Row("updateRow of an updatable result set in autocommit mode", "", (c, tag) -> insert(c, tag),
                (c, tag, freeze) -> {
                    try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
                         ResultSet rs = st.executeQuery("SELECT id, tag FROM " + TABLE + " WHERE tag = '" + tag + "'")) {
                        rs.next();
                        rs.updateString(2, tag + "-updated");
                        freeze.run();
                        rs.updateRow();
                    }
                }, "08007", true, "-updated", "08S01"));
        return rows;
    }

    static Stream<Arguments> rowsAndFaults() {
        return rows().stream().flatMap(r -> Stream.of("freeze", "fence", "kill").map(f -> Arguments.of(r, f)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("rowsAndFaults")
    void aCallInFlightGetsTheSqlStateItsOutcomeDeserves(Row row, String fault) throws Exception {
        String tag = "r" + Math.abs((row.name() + fault).hashCode());
        String groupName = "contract-" + tag;
        // useLocalSessionState: Connector/J otherwise asks the server whether the session is read-only before some
        // statements (execute, executeBatch), and that question, not the statement, would be the request in flight
        String params = "useLocalSessionState=true" + (row.params().isEmpty() ? "" : "&" + row.params());
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), groupName, params)) {
            GroupAdmin admin = ds.admin();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            Connection c = ds.getConnection();
            assertThat(Fixtures.serverId(c)).isEqualTo(group.server(0).serverId());
            row.before().run(c, tag);

            CompletableFuture<Throwable> call = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    row.call().run(c, tag, () -> group.server(0).freeze());
                    call.complete(null);
                } catch (Throwable e) {
                    call.complete(e);
                }
            }, "contract-call");
            t.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> call.isDone() || blockedReading(t));
            assertThat(call).as("the call must be in flight when the fault hits").isNotDone();
            switch (fault) {
                case "fence" -> admin.switchTo(group.server(1).hostAndPort());
                case "kill" -> group.server(0).kill();
                default -> { } // the probes find db0 hung and the group switches
            }
            Throwable failure = call.get(30, TimeUnit.SECONDS);
            assertThat(failure).as("the call must fail").isInstanceOf(SQLException.class);
            // killed while frozen, the server never read the call: its kernel resets the connection, the server
            // refuses new ones, and nothing of the call can have run
            String expected = fault.equals("kill") ? row.killedState() : row.sqlState();
            if (fault.equals("kill") && expected.equals("08S01")) {
                // "never read" is known only to the thread that saw the reset; when the fence (the server was marked
                // down) aborted the connection first, the outcome is reported unknown: conservative, never wrong, and
                // the row count below shows that nothing ran
                assertThat(((SQLException) failure).getSQLState()).as(failure.toString()).isIn("08S01", "08007");
            } else {
                assertThat(((SQLException) failure).getSQLState()).as(failure.toString()).isEqualTo(expected);
            }
            try {
                c.close();
            } catch (SQLException e) {
                // closing a broken connection in a transaction reports its failed rollback: nothing to check here
            }
        }
        group.heal(Duration.ofSeconds(120));
        long rows = count(tag + row.evidence());
        if (fault.equals("kill")) {
            assertThat(rows).as("a server killed while frozen ran nothing it received").isZero();
        } else {
            assertThat(rows > 0).as("the old server, thawed, committed the call's row").isEqualTo(row.committed());
        }
    }

    private long count(String tag) throws SQLException {
        try (Connection a = group.adminConnection(0); Statement st = a.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + TABLE + " WHERE tag = '" + tag + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The thread waits for the server's answer (Connector/J reading its socket). */
    private static boolean blockedReading(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("sun.nio.ch.NioSocketImpl") && e.getMethodName().contains("park")) {
                return true;
            }
        }
        return false;
    }

    private static void insert(Connection c, String tag) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (tag) VALUES (?)")) {
            ps.setString(1, tag);
            ps.executeUpdate();
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
