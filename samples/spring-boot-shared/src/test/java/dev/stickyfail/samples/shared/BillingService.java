package dev.stickyfail.samples.shared;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.hikari.StickyFailExceptionOverride;
import dev.stickyfail.hikari.StickyFailHikari;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.LockSupport;

/**
 * A second service in a JVM of its own, written differently from the Spring one: no Spring, a HikariCP pool built by
 * hand over {@code StickyFailDataSource} ({@code dataSourceClassName}), its own database user and its own table. It
 * follows the decision of the group it names through the same Hazelcast cluster, as a client.
 *
 * <p>{@code run}: writes a payment every 50 ms and prints {@code STATE <active server> <epoch>} every 200 ms.
 * {@code once}: opens one connection and prints {@code CONNECTED} or {@code ERROR <SQLState> <message>}.
 */
public final class BillingService {

    public static void main(String[] args) throws Exception {
        String hosts = args[0];
        String database = args[1];
        String user = args[2];
        String password = args[3];
        String clientFile = args[4];
        String group = args[5];
        boolean once = args[6].equals("once");

        String properties = "stickyfail.group=" + group + ";stickyfail.store=hazelcast;stickyfail.hazelcast.clientConfig="
                + clientFile + ";stickyfail.lease=3s;stickyfail.failoverTimeout=45s";
        if (once) {
            StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + hosts + "/" + database);
            ds.setUser(user);
            ds.setPassword(password);
            ds.setConnectionProperties(properties);
            try (Connection c = ds.getConnection()) {
                System.out.println("CONNECTED");
            } catch (SQLException e) {
                System.out.println("ERROR " + e.getSQLState() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
            System.out.flush();
            System.exit(0);
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(group);
        hc.setDataSourceClassName("dev.stickyfail.StickyFailDataSource");
        hc.addDataSourceProperty("url", "jdbc:stickyfail:mysql://" + hosts + "/" + database);
        hc.addDataSourceProperty("user", user);
        hc.addDataSourceProperty("password", password);
        hc.addDataSourceProperty("connectionProperties", properties);
        hc.setExceptionOverrideClassName(StickyFailExceptionOverride.class.getName());
        hc.setMaximumPoolSize(3);
        hc.setMinimumIdle(3);
        hc.setConnectionTimeout(60_000);
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            StickyFailHikari.register(pool);
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS payments (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                        + "server_id INT UNSIGNED NOT NULL, created TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
            }
            long lastState = 0;
            while (true) {
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO payments (server_id) VALUES (@@server_id)");
                } catch (SQLException e) {
                    System.out.println("FAILED " + e.getSQLState());
                }
                if (System.nanoTime() - lastState > 200_000_000L) {
                    lastState = System.nanoTime();
                    GroupAdmin admin = StickyFail.group(group).orElse(null);
                    if (admin != null) {
                        System.out.println("STATE " + admin.activeServer().orElse("none") + " " + admin.epoch());
                    }
                }
                System.out.flush();
                LockSupport.parkNanos(50_000_000L);
            }
        }
    }
}
