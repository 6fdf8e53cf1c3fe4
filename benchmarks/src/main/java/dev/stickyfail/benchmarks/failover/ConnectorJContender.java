package dev.stickyfail.benchmarks.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.util.List;

/**
 * HikariCP over MySQL Connector/J's own multi-host failover URL, {@code jdbc:mysql://db0,db1/app}: new connections
 * try the hosts in order; a connection that failed over falls back to the first host after
 * {@code secondsBeforeRetrySource} (30 s) or {@code queriesBeforeRetrySource} (50 queries), Connector/J's defaults,
 * left as they are. {@code failOverReadOnly=false} lets the backup take writes (the default, true, would make every
 * write after a failover fail).
 */
final class ConnectorJContender implements Contender {

    /** Every Connector/J contender has this. */
    static final String BASE = "failOverReadOnly=false";
    /**
     * Without timeouts, Connector/J waits for ever on a frozen or cut-off server (for its greeting, or for a
     * statement's answer), so it never fails over from one; with these, a statement or a connection attempt gives up
     * after 2 s, like stickyfail's own connect timeout.
     */
    static final String TIMEOUTS = "connectTimeout=2000&socketTimeout=2000";

    private final String name;
    private final String properties;

    ConnectorJContender(String name, String properties) {
        this.name = name;
        this.properties = properties;
    }

    @Override
    public String name() {
        return name;
    }

    private String url(FailoverScenario scenario) {
        return "jdbc:mysql://" + scenario.topology().hostList() + "/" + scenario.topology().group().database() + "?"
                + properties;
    }

    @Override
    public String settings(FailoverScenario scenario) {
        return scenario.topology().relabel(url(scenario));
    }

    @Override
    public List<WorkloadClient> open(FailoverScenario scenario, int poolSize) {
        ServerGroup group = scenario.topology().group();
        HikariConfig hc = Pools.config(name, poolSize);
        hc.setJdbcUrl(url(scenario));
        hc.setUsername(group.appUser());
        hc.setPassword(group.appPassword());
        // Connector/J's own log lines (stack traces of every failed host) go to the log file, not the console.
        hc.addDataSourceProperty("logger", "Slf4JLogger");
        HikariDataSource pool = new HikariDataSource(hc);
        return List.of(new WorkloadClient(name, pool, pool));
    }
}
