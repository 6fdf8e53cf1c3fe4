package dev.stickyfail.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.config.StickyFailConfig;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * Ties a HikariCP pool to its stickyfail group, in one line:
 *
 * <pre>{@code
 * HikariDataSource pool = new HikariDataSource(config);
 * AutoCloseable registration = StickyFailHikari.register(pool);   // close it when the pool is closed for good
 * }</pre>
 *
 * <p>When a switch of the pool's group starts (before stickyfail aborts a single connection to the server it leaves,
 * and while it hands out none), the pool's connections are soft-evicted: idle ones are closed at once, so no request
 * can borrow a connection the switch is about to abort; in-use ones are retired when they are returned, and nothing in
 * flight is interrupted. The pool refills with connections to the new server. Without it, HikariCP hands out an idle
 * connection without validating it when it was used in the last 500 ms ({@code aliveBypassWindowMs}), and a busy pool
 * fails up to one request per pooled connection with {@code 08S01} after a switch.
 *
 * <p>Both ways of giving HikariCP stickyfail are recognised: {@code jdbcUrl=jdbc:stickyfail:...} and
 * {@code dataSourceClassName=dev.stickyfail.StickyFailDataSource} with {@code dataSource.url} (and
 * {@code dataSource.connectionProperties}), as well as a {@link StickyFailDataSource} given with
 * {@link HikariConfig#setDataSource}.
 */
public final class StickyFailHikari {

    static final String URL_PREFIX = "jdbc:stickyfail:";

    private StickyFailHikari() {
    }

    /**
     * Registers {@code pool} for its group, found from its configuration; works before and after the pool started.
     *
     * @return the registration: closing it stops the integration (it also ends by itself once the pool is closed)
     * @throws SQLException             when the pool's stickyfail URL or properties are malformed (as the driver says it)
     * @throws IllegalArgumentException when the pool is not configured with stickyfail
     */
    public static Registration register(HikariDataSource pool) throws SQLException {
        return register(pool, groupOf(pool));
    }

    /** Registers {@code pool} for the group named {@code group} ({@code stickyfail.group}, or the default name). */
    public static Registration register(HikariDataSource pool, String group) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(group, "group");
        PoolRetirer retirer = new PoolRetirer(pool, group);
        StickyFail.addGlobalListener(retirer);
        return new Registration(group, retirer);
    }

    /** Whether {@code config} gives HikariCP stickyfail (by URL, DataSource class name or DataSource instance). */
    public static boolean usesStickyFail(HikariConfig config) {
        return isStickyFailUrl(config.getJdbcUrl())
                || isStickyFailDataSourceClass(config.getDataSourceClassName())
                || config.getDataSource() instanceof StickyFailDataSource;
    }

    /**
     * The stickyfail group a pool's connections belong to, parsed from its configuration exactly as the driver will
     * parse it ({@code stickyfail.group}, else the host list).
     */
    public static String groupOf(HikariConfig config) throws SQLException {
        String jdbcUrl = config.getJdbcUrl();
        if (isStickyFailUrl(jdbcUrl)) {
            return StickyFailConfig.from(jdbcUrl, asStrings(config.getDataSourceProperties())).group();
        }
        if (isStickyFailDataSourceClass(config.getDataSourceClassName())) {
            return groupOfDataSourceProperties(config.getDataSourceProperties());
        }
        DataSource dataSource = config.getDataSource();
        if (dataSource instanceof StickyFailDataSource sticky) {
            // Its properties are sealed inside it; its group is what its admin API names (this starts the group, as the
            // pool's first connection would).
            return sticky.admin().name();
        }
        throw new IllegalArgumentException("the HikariCP pool " + (config.getPoolName() == null ? "" : config.getPoolName() + " ")
                + "does not use stickyfail: expected jdbcUrl=jdbc:stickyfail:..., or dataSourceClassName="
                + StickyFailDataSource.class.getName() + " with dataSource.url, or a StickyFailDataSource");
    }

    private static String groupOfDataSourceProperties(Properties dsProps) throws SQLException {
        Object url = dsProps.get("url");
        if (url == null) {
            url = dsProps.get("jdbcUrl");
        }
        if (url == null) {
            throw new IllegalArgumentException("dataSourceClassName=" + StickyFailDataSource.class.getName()
                    + " but no dataSource.url is set; expected dataSource.url=jdbc:stickyfail:mysql://db0,db1/app");
        }
        Properties props = new Properties();
        Object pairs = dsProps.get("connectionProperties");
        if (pairs != null) {
            for (String pair : pairs.toString().split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    props.setProperty(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
                }
            }
        }
        Object properties = dsProps.get("properties");
        if (properties instanceof Properties p) {
            props.putAll(asStrings(p));
        }
        return StickyFailConfig.from(url.toString(), props).group();
    }

    static boolean isStickyFailUrl(String url) {
        return url != null && url.regionMatches(true, 0, URL_PREFIX, 0, URL_PREFIX.length());
    }

    private static boolean isStickyFailDataSourceClass(String className) {
        return StickyFailDataSource.class.getName().equals(className);
    }

    /** HikariCP's data source properties may hold non-String values; the driver reads String properties only. */
    private static Properties asStrings(Properties in) {
        Properties out = new Properties();
        in.forEach((k, v) -> {
            if (k != null && v != null) {
                out.setProperty(k.toString(), v.toString());
            }
        });
        return out;
    }

    /** One pool's integration; {@link #close()} ends it. */
    public static final class Registration implements AutoCloseable {
        private final String group;
        private final PoolRetirer retirer;

        Registration(String group, PoolRetirer retirer) {
            this.group = group;
            this.retirer = retirer;
        }

        /** The stickyfail group the pool follows. */
        public String group() {
            return group;
        }

        /** How many switches soft-evicted the pool so far. */
        public long retirements() {
            return retirer.retirements();
        }

        @Override
        public void close() {
            StickyFail.removeGlobalListener(retirer);
        }

        @Override
        public String toString() {
            return "StickyFailHikari.Registration[group " + group + "]";
        }
    }
}
