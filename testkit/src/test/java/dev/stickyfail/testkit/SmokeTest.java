package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void smoke() throws Exception {
        try (ServerGroup g = ServerGroup.start(2)) {
            System.out.println("START " + g.startupTime());
            try (Connection c = g.appConnection(0); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE smoke (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))");
                st.execute("INSERT INTO smoke (v) VALUES ('a')");
                try (ResultSet rs = st.executeQuery("SELECT @@collation_connection, @@character_set_client, @@version")) {
                    rs.next();
                    System.out.println("COLL " + rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                }
            }
            g.awaitReplicationCaughtUp(Duration.ofSeconds(10));
            g.assertReplicationHealthy();
            System.out.println(g.replicationStatus());
        }
    }
}
