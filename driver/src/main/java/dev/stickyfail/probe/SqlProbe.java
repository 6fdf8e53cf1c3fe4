package dev.stickyfail.probe;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** {@code stickyfail.check=sql}: {@code stickyfail.checkSql} must return a row whose first column is true. */
public final class SqlProbe extends SessionProbe {

    public SqlProbe(ProbeTarget target) {
        super(target);
    }

    @Override
    protected ProbeResult verify(Connection session) throws SQLException {
        try (Statement st = session.createStatement(); ResultSet rs = st.executeQuery(target.checkSql())) {
            if (!rs.next()) {
                return ProbeResult.fail("stickyfail.checkSql returned no row");
            }
            Object value = rs.getObject(1);
            return isTrue(value) ? ProbeResult.pass() : ProbeResult.fail("stickyfail.checkSql returned " + value);
        }
    }
}
