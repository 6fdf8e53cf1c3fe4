package dev.stickyfail.benchmarks.failover;

import com.zaxxer.hikari.HikariConfig;

/** The one pool configuration every contender gets, so only the driver differs. */
final class Pools {

    private Pools() {
    }

    /**
     * HikariCP defaults (connectionTimeout 30 s, validationTimeout 5 s, maxLifetime 30 min, validation of
     * connections idle for more than {@code com.zaxxer.hikari.aliveBypassWindowMs}, 500 ms), a fixed size of one
     * connection per writer.
     */
    static HikariConfig config(String name, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(size);
        return hc;
    }
}
