package dev.stickyfail.spring.boot;

import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFail;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.hikari.StickyFailExceptionOverride;
import dev.stickyfail.hikari.StickyFailHikari;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies stickyfail to every {@link HikariDataSource} bean that uses it, before its pool starts: passes the typed
 * {@code stickyfail.*} properties to the driver, makes the group and the pool name the same (so {@code hikaricp.*} and
 * {@code stickyfail.*} meters join on it), sets {@link StickyFailExceptionOverride} when no override is set, and
 * registers {@link StickyFailHikari} so that a switch retires the pool's connections. When the context closes, the
 * registration ends and the group is stopped. Never sets a metrics tracker, so Boot's {@code hikaricp.*} meters stay.
 *
 * <p>Group and pool name: a {@code stickyfail.group} that is set names the pool when the pool has no name; a pool name
 * ({@code spring.datasource.name}, {@code spring.datasource.hikari.pool-name}) becomes the group when none is set;
 * with neither, the pool takes the driver's default group name (the host list; with
 * {@code register-mbeans=true}, whose pool names cannot hold {@code :}, with {@code _} in its place).
 */
class StickyFailHikariPostProcessor implements DestructionAwareBeanPostProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(StickyFailHikariPostProcessor.class);
    private static final String GROUP = "stickyfail.group";

    private final ObjectProvider<StickyFailProperties> properties;
    private final Map<HikariDataSource, StickyFailHikari.Registration> registrations = new ConcurrentHashMap<>();

    StickyFailHikariPostProcessor(ObjectProvider<StickyFailProperties> properties) {
        this.properties = properties;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof HikariDataSource pool) || !StickyFailHikari.usesStickyFail(pool)) {
            return bean;
        }
        try {
            if (pool.getHikariPoolMXBean() == null && !pool.isClosed()) {
                configure(pool);
            } else {
                LOG.warn("stickyfail: the HikariCP pool {} (bean {}) was started before Spring finished creating it; "
                        + "stickyfail.* properties from the environment were not applied to it", pool.getPoolName(), beanName);
            }
            if (pool.getJdbcUrl() != null) {
                StoreCheck.check(StickyFailConfig.from(pool.getJdbcUrl(), asStrings(pool.getDataSourceProperties())));
            }
            String group = StickyFailHikari.groupOf(pool);
            registrations.put(pool, StickyFailHikari.register(pool, group));
            LOG.info("stickyfail[{}] HikariCP pool {} (bean {}): its connections are retired when a switch starts",
                    group, pool.getPoolName(), beanName);
        } catch (SQLException e) {
            throw new IllegalStateException("stickyfail: the DataSource bean " + beanName + " has a bad stickyfail "
                    + "configuration: " + e.getMessage(), e);
        }
        return bean;
    }

    private void configure(HikariDataSource pool) throws SQLException {
        StickyFailProperties typed = properties.getIfAvailable(StickyFailProperties::new);
        boolean urlForm = pool.getJdbcUrl() != null;
        for (Map.Entry<String, String> e : typed.toDriverProperties().entrySet()) {
            if (!mentions(pool, e.getKey())) {
                setDriverProperty(pool, urlForm, e.getKey(), e.getValue());
            }
        }
        String poolName = pool.getPoolName();
        if (!mentions(pool, GROUP) && poolName != null) {
            setDriverProperty(pool, urlForm, GROUP, poolName);
        } else if (poolName == null) {
            String group = StickyFailHikari.groupOf(pool);
            pool.setPoolName(pool.isRegisterMbeans() ? group.replace(':', '_') : group);
        }
        if (pool.getExceptionOverrideClassName() == null && pool.getExceptionOverride() == null) {
            pool.setExceptionOverrideClassName(StickyFailExceptionOverride.class.getName());
        }
    }

    private static Properties asStrings(Properties in) {
        Properties out = new Properties();
        in.forEach((k, v) -> {
            if (k != null && v != null) {
                out.setProperty(k.toString(), v.toString());
            }
        });
        return out;
    }

    /** Whether the pool's URL or properties already set {@code key} (they win over the environment's typed values). */
    private static boolean mentions(HikariDataSource pool, String key) {
        String k = key.toLowerCase(Locale.ROOT) + "=";
        String url = pool.getJdbcUrl() != null ? pool.getJdbcUrl() : String.valueOf(pool.getDataSourceProperties().get("url"));
        Object pairs = pool.getDataSourceProperties().get("connectionProperties");
        return pool.getDataSourceProperties().containsKey(key)
                || url.toLowerCase(Locale.ROOT).matches(".*[?&]" + java.util.regex.Pattern.quote(k) + ".*")
                || (pairs != null && (";" + pairs.toString().replace(" ", "")).toLowerCase(Locale.ROOT).contains(";" + k));
    }

    /** {@code jdbcUrl} form: a driver property; {@code dataSourceClassName} form: one more of its connectionProperties. */
    private static void setDriverProperty(HikariDataSource pool, boolean urlForm, String key, String value) {
        if (urlForm) {
            pool.addDataSourceProperty(key, value);
        } else {
            Object pairs = pool.getDataSourceProperties().get("connectionProperties");
            String more = key + "=" + value;
            pool.addDataSourceProperty("connectionProperties", pairs == null || pairs.toString().isBlank() ? more : pairs + ";" + more);
        }
    }

    @Override
    public void postProcessBeforeDestruction(Object bean, String beanName) {
        StickyFailHikari.Registration registration = registrations.remove(bean);
        if (registration != null) {
            registration.close();
            // a jdbcUrl pool's group is held by DriverManager for the life of the JVM: stop it with its DataSource.
            // Close the pool first (idempotent; Spring's own close follows): otherwise its housekeeper may open a
            // connection after the shutdown and start the group again, left running once the context is gone.
            if (bean instanceof com.zaxxer.hikari.HikariDataSource pool) {
                pool.close();
            }
            StickyFail.shutdown(registration.group());
        }
    }

    @Override
    public boolean requiresDestruction(Object bean) {
        return registrations.containsKey(bean);
    }
}
