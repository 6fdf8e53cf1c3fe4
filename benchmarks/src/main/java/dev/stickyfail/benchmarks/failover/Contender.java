package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * One side of the comparison: how the application reaches the servers. Every contender uses the same HikariCP
 * pool settings ({@link Pools}); only the driver and its URL differ. Several application instances, or a Spring
 * Boot application, are further contenders.
 */
interface Contender {

    /** Short name for tables, e.g. {@code stickyfail} or {@code cj-timeouts}. */
    String name();

    /** The URL as used, with the servers as {@code db0,db1}, for the report. */
    String settings(FailoverScenario scenario);

    /** Opens the clients of one run over the scenario's topology; the scenario closes them. */
    List<WorkloadClient> open(FailoverScenario scenario, int poolSize) throws SQLException;

    /**
     * {@code stickyfail}, {@code stickyfail:<props>}, {@code stickyfail+hikari} (with the HikariCP integration),
     * {@code stickyfail+hikari:<props>}, {@code cj}, {@code cj-timeouts}, {@code cj:<props>}, {@code haproxy},
     * {@code haproxy-peers}, or either with {@code :<checks>}; {@code <props>} are {@code key=value} pairs separated by
     * {@code &}, added to the URL; {@code <checks>} are HAProxy's {@code inter=500&fall=5&rise=2}, and {@code reload=3s}
     * to reload HAProxy 3 s after the primary is back.
     */
    static Contender parse(String spec) {
        String s = spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("stickyfail")) {
            return new StickyFailContender(s, "", false);
        }
        if (lower.startsWith("stickyfail:")) {
            return new StickyFailContender(s, s.substring("stickyfail:".length()), false);
        }
        if (lower.equals("stickyfail+hikari")) {
            return new StickyFailContender(s, "", true);
        }
        if (lower.startsWith("stickyfail+hikari:")) {
            return new StickyFailContender(s, s.substring("stickyfail+hikari:".length()), true);
        }
        if (lower.equals("cj")) {
            return new ConnectorJContender(s, ConnectorJContender.BASE);
        }
        if (lower.equals("cj-timeouts")) {
            return new ConnectorJContender(s, ConnectorJContender.BASE + "&" + ConnectorJContender.TIMEOUTS);
        }
        if (lower.startsWith("cj:")) {
            return new ConnectorJContender(s, ConnectorJContender.BASE + "&" + s.substring("cj:".length()));
        }
        for (String haproxy : new String[] {"haproxy-peers", "haproxy"}) {
            if (lower.equals(haproxy) || lower.startsWith(haproxy + ":")) {
                String props = lower.equals(haproxy) ? "" : s.substring(haproxy.length() + 1);
                return HaproxyContender.parse(s, haproxy.endsWith("-peers"), props);
            }
        }
        throw new IllegalArgumentException("'" + spec + "' is not a contender; expected stickyfail, stickyfail:<props>, "
                + "stickyfail+hikari, stickyfail+hikari:<props>, cj, cj-timeouts, cj:<props>, haproxy, haproxy-peers, "
                + "or haproxy:<checks> / haproxy-peers:<checks>");
    }
}
