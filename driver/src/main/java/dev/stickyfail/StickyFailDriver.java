package dev.stickyfail;

import com.mysql.cj.jdbc.NonRegisteringDriver;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.config.StickyFailProperty;
import dev.stickyfail.config.StickyFailUrl;
import dev.stickyfail.internal.ConnectorJ;
import dev.stickyfail.internal.jdbc.StickyConnection;
import dev.stickyfail.internal.runtime.GroupRuntime;
import dev.stickyfail.internal.runtime.RuntimeRegistry;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The {@code jdbc:stickyfail:mysql://host1[:port],host2[:port][,...]/[database][?properties]} driver. Registered with
 * {@link DriverManager} through {@code META-INF/services/java.sql.Driver}.
 *
 * <p>It answers every {@code jdbc:stickyfail:} URL (so a mistyped one gets a clear error rather than "no suitable
 * driver") and returns {@code null} for any other, as JDBC asks. A group first opened here is kept for the life of
 * the JVM (there is nothing to close); {@link StickyFail#shutdown(String)} stops it.
 */
public final class StickyFailDriver implements Driver {

    static {
        try {
            DriverManager.registerDriver(new StickyFailDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        ConnectorJ.check();
        StickyFailConfig config = StickyFailConfig.from(url, info);
        GroupRuntime runtime = RuntimeRegistry.acquire(config, true);
        return StickyConnection.wrap(runtime.connect(GroupRuntime.connectionFactory(config.connectorProperties(), config.database())));
    }

    @Override
    public boolean acceptsURL(String url) {
        return StickyFailUrl.isStickyFailUrl(url);
    }

    /** stickyfail's properties with their defaults and descriptions, then Connector/J's. */
    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        Properties given = new Properties();
        if (info != null) {
            given.putAll(info);
        }
        StickyFailUrl parsed = null;
        if (acceptsURL(url)) {
            try {
                parsed = StickyFailUrl.parse(url);
                given.putAll(parsed.parameters());
            } catch (SQLException e) {
                // a malformed URL still gets the list of properties
            }
        }
        List<DriverPropertyInfo> list = new ArrayList<>();
        for (StickyFailProperty p : StickyFailProperty.values()) {
            String value = given.getProperty(p.key(), p.defaultValue());
            DriverPropertyInfo pi = new DriverPropertyInfo(p.key(), p.isSecret() ? null : value);
            pi.description = p.description() + (p.defaultValue() == null ? "" : " Default: " + p.defaultValue() + ".")
                    + " HAProxy: " + p.haproxy() + ".";
            pi.required = false;
            pi.choices = choices(p);
            list.add(pi);
        }
        String host = parsed == null ? "localhost:3306" : parsed.servers().get(0).toString();
        Properties connectorOnly = new Properties();
        for (String key : given.stringPropertyNames()) {
            if (!key.startsWith(StickyFailProperty.PREFIX)) {
                connectorOnly.setProperty(key, given.getProperty(key));
            }
        }
        for (DriverPropertyInfo pi : new NonRegisteringDriver().getPropertyInfo("jdbc:mysql://" + host + "/", connectorOnly)) {
            if (StickyFailProperty.isSecretKey(pi.name)) {
                pi.value = null;
            }
            list.add(pi);
        }
        return list.toArray(new DriverPropertyInfo[0]);
    }

    private static String[] choices(StickyFailProperty p) {
        switch (p) {
            case FAILBACK:
                return new String[] {"never", "primary-up"};
            case ON_MARKED_DOWN:
                return new String[] {"shutdown-sessions", "keep"};
            case OBSERVE:
            case JMX:
                return new String[] {"true", "false"};
            case STORE:
                return new String[] {"local", "hazelcast"};
            case CHECK:
                return dev.stickyfail.probe.Probes.available().toArray(new String[0]);
            default:
                return null;
        }
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    /** Connector/J does not claim JDBC compliance, so neither does a wrapper of it. */
    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("stickyfail logs through SLF4J, not java.util.logging");
    }
}
