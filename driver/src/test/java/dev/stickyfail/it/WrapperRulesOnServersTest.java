package dev.stickyfail.it;

import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.internal.jdbc.RuleTable;
import dev.stickyfail.internal.jdbc.StickyResultSet;
import dev.stickyfail.internal.jdbc.StickyStatement;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The rule table's rows, method by method, on real servers: every method the table says may commit refuses to run
 * on a connection a switch aborted ({@code 08S01}, nothing sent), whatever its overload; every result set a wrapper
 * hands out leads back to the application's statement and connection, never to Connector/J's; and a pooled
 * connection whose server was killed while it sat idle is replaced at its next use.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class WrapperRulesOnServersTest {

    private final ServerGroup group;

    WrapperRulesOnServersTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(120));
    }

    @Test
    void everyMethodThatMayCommitRefusesAnAbortedConnectionWithNothingSent() throws Exception {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS rules_t (id INT PRIMARY KEY, v INT)");
        }
        Map<String, String> rules = RuleTable.rules();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "rules-execute",
                "stickyfail.replaceIdleConnections=false")) {
            GroupAdmin admin = ds.admin();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            Connection c = ds.getConnection();
            Statement st = c.createStatement();
            PreparedStatement ps = c.prepareStatement("UPDATE rules_t SET v = v + 1");
            CallableStatement cs = c.prepareCall("{call no_such_procedure()}");
            st.addBatch("UPDATE rules_t SET v = v + 1");
            ps.addBatch();

            admin.switchTo(group.server(1).hostAndPort());

            List<String> checked = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            for (Object target : List.of(st, ps, cs)) {
                Class<?> iface = target == st ? Statement.class : target == ps ? PreparedStatement.class
                        : CallableStatement.class;
                for (Method m : iface.getMethods()) {
                    String rule = rules.get(RuleTable.key(m));
                    if (Modifier.isStatic(m.getModifiers()) || rule == null
                            || !(rule.startsWith("execute(") || rule.startsWith("query(") || rule.equals("batch"))) {
                        continue;
                    }
                    try {
                        m.invoke(target, arguments(m));
                        wrong.add(iface.getSimpleName() + "." + RuleTable.key(m) + " ran");
                    } catch (InvocationTargetException e) {
                        if (!(e.getCause() instanceof EvictedConnectionException ev) || !"08S01".equals(ev.getSQLState())
                                || ev.getCause() != null) { // a cause: it was sent and failed, not refused before
                            wrong.add(iface.getSimpleName() + "." + RuleTable.key(m) + " threw " + e.getCause());
                        }
                    }
                    checked.add(iface.getSimpleName() + "." + RuleTable.key(m));
                }
            }
            assertThat(wrong).isEmpty();
            assertThat(checked).as("methods checked").hasSizeGreaterThan(25);
            c.close();
        }
    }

    @Test
    void everyResultSetLeadsBackToTheApplicationsStatementAndConnection() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "rules-identity", "");
             Connection c = ds.getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS rules_keys (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)");
                assertThat(st.getConnection()).isSameAs(c);
                ResultSet rs = st.executeQuery("SELECT 1");
                assertThat(rs).isInstanceOf(StickyResultSet.class);
                assertThat(rs.getStatement()).isSameAs(st);
                assertThat(st.getResultSet()).as("the same result set, the same wrapper").isSameAs(rs);
                assertThat(rs.unwrap(ResultSet.class)).isSameAs(rs);
                assertThat(rs.isWrapperFor(com.mysql.cj.jdbc.result.ResultSetImpl.class)).isTrue();
                rs.close();
                assertThat(st.execute("SELECT 2")).isTrue();
                assertThat(st.getResultSet().getStatement()).isSameAs(st);
                st.executeUpdate("INSERT INTO rules_keys (v) VALUES (1)", Statement.RETURN_GENERATED_KEYS);
                assertThat(st.getGeneratedKeys().getStatement()).isSameAs(st);
            }
            try (Statement st = c.createStatement()) {
                assertThat(st.execute("SELECT 1")).isTrue();
                assertThat(st.getMoreResults()).isFalse();
                assertThat(st.getResultSet()).isNull();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ?")) {
                ps.setInt(1, 3);
                ResultSet rs = ps.executeQuery();
                assertThat(rs.getStatement()).isSameAs(ps);
                assertThat(rs.getStatement().getConnection()).isSameAs(c);
            }
            try (CallableStatement cs = c.prepareCall("SELECT 4")) {
                assertThat(cs.executeQuery().getStatement()).isSameAs(cs);
            }
            DatabaseMetaData md = c.getMetaData();
            assertThat(md.getConnection()).isSameAs(c);
            int resultSets = 0;
            List<String> wrong = new ArrayList<>();
            for (Method m : DatabaseMetaData.class.getMethods()) {
                if (m.getReturnType() != ResultSet.class) {
                    continue;
                }
                ResultSet rs;
                try {
                    rs = (ResultSet) m.invoke(md, metadataArguments(m));
                } catch (InvocationTargetException e) {
                    continue; // a pattern this server does not take, or a method Connector/J does not support
                }
                resultSets++;
                if (!(rs instanceof StickyResultSet)) {
                    wrong.add(m.getName() + " returned " + rs.getClass().getName());
                } else if (rs.getStatement() != null && (!(rs.getStatement() instanceof StickyStatement)
                        || rs.getStatement().getConnection() != c)) {
                    wrong.add(m.getName() + ": its statement leads to " + rs.getStatement().getConnection());
                }
                rs.close();
            }
            assertThat(wrong).isEmpty();
            assertThat(resultSets).as("metadata result sets checked").isGreaterThan(15);
        }
    }

    @Test
    void unwrapReachesTheReplacementAndSetClientInfoRefusesAnAbortedConnection() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "rules-unwrap", "")) {
            GroupAdmin admin = ds.admin();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            Connection idle = ds.getConnection();
            Connection tainted = ds.getConnection();
            try {
                assertThat(serverId(idle)).isEqualTo(group.server(0).serverId());
                try (Statement st = tainted.createStatement()) {
                    st.execute("SET @x = 1"); // session state a replacement would lack: never replaced
                }
                admin.switchTo(group.server(1).hostAndPort());

                com.mysql.cj.jdbc.JdbcConnection physical = idle.unwrap(com.mysql.cj.jdbc.JdbcConnection.class);
                assertThat(physical.isClosed()).as("not the aborted connection").isFalse();
                try (Statement st = physical.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(group.server(1).serverId());
                }
                assertThatThrownBy(() -> tainted.setClientInfo("ApplicationName", "x"))
                        .isInstanceOf(java.sql.SQLClientInfoException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08S01"));
            } finally {
                idle.close();
                tainted.close();
            }
        }
    }

    /**
     * Idle connections whose server was killed are replaced at their next use, though no switch has happened yet:
     * the first connection to see the server gone finds it refusing connections and marks the others. (With the
     * passive detection off and a slow probe, the switch comes seconds later (the probe runs every 8 s), so only that can save them.)
     */
    @Test
    void idleConnectionsToAKilledServerAreReplacedAtTheirNextUse() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "rules-killed",
                "stickyfail.observe=false&stickyfail.checkInterval=8s&stickyfail.failoverTimeout=30s")) {
            GroupAdmin admin = ds.admin();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            List<Connection> idle = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Connection c = ds.getConnection();
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                idle.add(c);
            }
            long epoch = admin.epoch();
            group.server(0).kill();

            Connection first = idle.get(0);
            assertThatThrownBy(() -> serverId(first)).as("the first use finds the server gone")
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08S01"));
            assertThat(admin.epoch()).as("no switch yet").isEqualTo(epoch);
            for (Connection c : idle.subList(1, idle.size())) {
                assertThat(serverId(c)).as("replaced at its next use, once the group has switched")
                        .isEqualTo(group.server(1).serverId());
            }
            for (Connection c : idle) {
                c.close();
            }
        }
    }

    private static Object[] arguments(Method m) {
        Object[] args = new Object[m.getParameterCount()];
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < args.length; i++) {
            if (types[i] == String.class) {
                args[i] = "UPDATE rules_t SET v = v + 1";
            } else if (types[i] == int.class) {
                args[i] = Statement.NO_GENERATED_KEYS;
            } else if (types[i] == int[].class) {
                args[i] = new int[] {1};
            } else if (types[i] == String[].class) {
                args[i] = new String[] {"id"};
            } else {
                throw new AssertionError("no argument for " + m);
            }
        }
        return args;
    }

    private static Object[] metadataArguments(Method m) {
        Object[] args = new Object[m.getParameterCount()];
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < args.length; i++) {
            if (types[i] == String.class) {
                args[i] = i == 0 ? null : "%";
            } else if (types[i] == int.class) {
                args[i] = DatabaseMetaData.bestRowSession;
            } else if (types[i] == boolean.class) {
                args[i] = false;
            } else {
                args[i] = null;
            }
        }
        return args;
    }
}
