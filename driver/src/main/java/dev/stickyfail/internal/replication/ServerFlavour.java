package dev.stickyfail.internal.replication;

import java.util.Locale;

/** Which GTIDs a server speaks: MariaDB's {@code domain-server_id-seq} or MySQL's {@code uuid:ranges}. */
public enum ServerFlavour {
    MARIADB,
    MYSQL;

    /** From {@code SELECT VERSION()}: MariaDB says so in it ({@code 11.4.5-MariaDB-log}); anything else is MySQL. */
    public static ServerFlavour ofVersion(String version) {
        return version != null && version.toLowerCase(Locale.ROOT).contains("mariadb") ? MARIADB : MYSQL;
    }

    /** Parses a GTID set in this flavour's notation; {@link GtidFormatException} when it is not one. */
    public GtidSet parse(String text) {
        return this == MARIADB ? MariaDbGtidSet.parse(text) : MysqlGtidSet.parse(text);
    }

    public GtidSet empty() {
        return this == MARIADB ? MariaDbGtidSet.EMPTY : MysqlGtidSet.EMPTY;
    }
}
