package dev.stickyfail.testkit;

import java.nio.file.Path;
import java.time.Duration;

/** What a backend does for one server; {@link DbServer} is the public face over it. */
interface ServerControl {

    int index();

    String host();

    int port();

    long serverId();

    /** Pid of the server process most recently started, or -1 when it has none (e.g. a remote Docker host). */
    long pid();

    boolean isRunning();

    boolean isFrozen();

    void stop();

    void kill();

    void freeze();

    void thaw();

    void start(Duration timeout);

    /** The data directory, or null where the backend has none on this host. */
    Path dataDir();

    /** The last lines of the server's error log, for failure messages. */
    String logTail(int lines);

    /** Kills the server and deletes whatever it had on disk; quiet, for close() and the shutdown hook. */
    void destroy();
}
