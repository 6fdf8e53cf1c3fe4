package dev.stickyfail.probe;

import com.mysql.cj.jdbc.JdbcConnection;

import java.sql.Connection;
import java.sql.SQLException;

/** {@code stickyfail.check=mysql}: a real MySQL session (handshake and login) and a {@code COM_PING} on it. */
public final class MysqlProbe extends SessionProbe {

    public MysqlProbe(ProbeTarget target) {
        super(target);
    }

    @Override
    protected ProbeResult verify(Connection session) throws SQLException {
        session.unwrap(JdbcConnection.class).ping();
        return ProbeResult.pass();
    }
}
