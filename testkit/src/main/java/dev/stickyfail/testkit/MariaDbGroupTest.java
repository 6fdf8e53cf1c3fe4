package dev.stickyfail.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class against a real {@link ServerGroup}; see {@link MariaDbGroupExtension} for what is injected and
 * how groups are shared. Despite its name it runs either {@link Flavour}: MariaDB unless {@link #flavour()} or
 * {@code -D}{@value Flavour#PROPERTY}{@code =mysql8} says otherwise, so a whole class can be run again against
 * MySQL 8 by a second test run with that property.
 *
 * <pre>{@code
 * @MariaDbGroupTest                       // 2 servers, shared with other classes, healed before this class
 * class FailoverIT {
 *     @Test
 *     void switchesToBackup(ServerGroup group) throws Exception {
 *         group.server(0).kill();
 *         ...
 *     }
 * }
 *
 * @MariaDbGroupTest(size = 2, proxies = true, fresh = true)
 * class PartitionIT {
 *     PartitionIT(ProxiedGroup proxied) { ... }  // constructor, @BeforeAll, @BeforeEach or test parameters
 * }
 *
 * @MariaDbGroupTest(flavour = Flavour.MYSQL8) // always MySQL 8, whatever the system property says
 * class CachingSha2IT { ... }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MariaDbGroupExtension.class)
public @interface MariaDbGroupTest {

    /** Number of servers: 2 (master-master) or more (a replication ring). */
    int size() default 2;

    /** Put a {@link FaultProxy} in front of each server and make {@link ProxiedGroup} injectable. */
    boolean proxies() default false;

    /** Give this class its own group, closed after the class, instead of the shared one of that size. */
    boolean fresh() default false;

    /**
     * The servers' flavour, at most one; empty (the default): {@value Flavour#PROPERTY}, MariaDB when unset. A class
     * that names one runs on it in every test run.
     */
    Flavour[] flavour() default {};
}
