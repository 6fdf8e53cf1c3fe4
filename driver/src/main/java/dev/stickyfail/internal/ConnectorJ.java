package dev.stickyfail.internal;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

/**
 * The MySQL Connector/J this JVM runs. stickyfail reaches into its internals (the session's state tracking, the socket
 * factory that fences), so it says at the first connection, in one line, when the version is one it does not work with,
 * instead of failing later on a missing method. Tested on 9.7.0 (what Spring Boot 4.0 manages) and 26.10.0.
 */
public final class ConnectorJ {

    /** The oldest major version the driver is tested on. */
    static final int MIN_MAJOR = 9;
    static final String TESTED = "9.7.0 and 26.10.0";

    private static final String VERSION = findVersion();
    private static final String PROBLEM = problem(VERSION);

    private ConnectorJ() {
    }

    /** The version found, e.g. {@code 9.7.0}, or {@code null} when Connector/J is not on the class path. */
    public static String version() {
        return VERSION;
    }

    /** Fails with one line naming the version found and the versions needed; cheap after the first call. */
    public static void check() throws SQLException {
        if (PROBLEM != null) {
            throw new SQLNonTransientConnectionException(PROBLEM, "08001");
        }
    }

    /** What is wrong with {@code version}, or {@code null} when the driver works with it. */
    static String problem(String version) {
        String needed = "com.mysql:mysql-connector-j " + MIN_MAJOR + ".0 or later (tested: " + TESTED + "; with Spring Boot's "
                + "parent its property mysql.version chooses it)";
        if (version == null) {
            return "stickyfail needs MySQL Connector/J on the class path, and there is none: add " + needed;
        }
        int major = major(version);
        if (major >= 0 && major < MIN_MAJOR) {
            return "stickyfail needs " + needed + ", and the class path has Connector/J " + version;
        }
        return null; // 9.x, 26.x and later (a version that does not parse is given the benefit of the doubt)
    }

    static int major(String version) {
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version.trim() : version.substring(0, dot).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String findVersion() {
        try {
            // read at run time: the compiler would inline the constant of the version we were built against
            Object v = Class.forName("com.mysql.cj.Constants", false, ConnectorJ.class.getClassLoader())
                    .getField("CJ_VERSION").get(null);
            return String.valueOf(v);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "unknown";
        }
    }
}
