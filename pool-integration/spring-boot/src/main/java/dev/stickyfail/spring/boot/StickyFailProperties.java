package dev.stickyfail.spring.boot;

import dev.stickyfail.config.Durations;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * stickyfail's driver properties, bound from {@code stickyfail.*} in {@code application.properties} or YAML and passed
 * to the driver as connection properties of the application's DataSource. Unset ones keep the driver's defaults; a
 * parameter in {@code spring.datasource.url} wins over the same key here, as in the driver. docs/configuration.md describes
 * each in full, with the HAProxy keyword it stands for. An unknown {@code stickyfail.*} key stops the
 * application at start (a typo must not fall back to a default silently), as the driver refuses one.
 */
@ConfigurationProperties(prefix = "stickyfail", ignoreUnknownFields = false)
public class StickyFailProperties {

    /** Name of the decision; default: the DataSource's pool name (spring.datasource.name), else the host list. */
    private String group;

    /** Probe interval while a server is up and its probes pass (driver default 500ms). */
    private Duration checkInterval;

    /** Probe interval while a server changes state, and before its first result (driver default 100ms). */
    private Duration checkFastInterval;

    /** Probe interval while a server is down (driver default 1s). */
    private Duration checkDownInterval;

    /** Hard limit for one probe; a probe that takes longer fails (driver default 300ms). */
    private Duration checkTimeout;

    /** Consecutive successful probes that mark a down server up (driver default 2). */
    private Integer rise;

    /** Consecutive failed probes that mark an up server down; a refused connection marks it down at once (driver default 3). */
    private Integer fall;

    /** The probe: mysql, tcp, sql, galera, replica, or the name of a probe registered through the ProbeFactory SPI (driver default mysql). */
    private String check;

    /** The query of the sql probe; its first column of its first row must be true. */
    private String checkSql;

    /** Largest replication lag the replica probe accepts (driver default 10s). */
    private Duration maxReplicationLag;

    /** User for the mysql, sql, galera and replica probes; default: the connection's user. */
    private String checkUser;

    /** Password of the probe user; default: the connection's password. */
    private String checkPassword;

    /** never (sticky: stay on the active server until it is marked down) or primary-up (driver default never). */
    private String failback;

    /** shutdown-sessions (abort every connection to a server marked down) or keep (driver default shutdown-sessions). */
    private String onMarkedDown;

    /** Passive detection: communication errors on application connections count as a failed probe (driver default true). */
    private Boolean observe;

    /** Limit for opening one physical connection to the active server (driver default 2s). */
    private Duration connectTimeout;

    /** How long getConnection waits for a usable active server before it fails with 08001 (driver default 10s). */
    private Duration failoverTimeout;

    /** A file that keeps the decision across restarts of the application. */
    private Path stateFile;

    /** Where the decision lives: local or hazelcast (driver default local). */
    private String store;

    /** Register the group's MXBean dev.stickyfail:type=Group,name=&lt;group&gt; (driver default true). */
    private Boolean jmx;

    /** With a shared store: how long an instance trusts the decision it last confirmed (driver default 10s). */
    private Duration lease;

    /** What a start does with a state file that exists but cannot be trusted: refuse or fresh-start (driver default refuse). */
    private String stateFileUnusable;

    /** Whether a switch waits for the new server to apply what it had received from the old one (driver default true). */
    private Boolean switchCatchUp;

    /** Longest a switch waits for that catch-up (driver default 5s). */
    private Duration switchCatchUpTimeout;

    /** When a server switched away from is back: report its errant transactions, or ignore (driver default report). */
    private String onAbandonedReturn;

    /** Whether the galera probe accepts a donor node (driver default false). */
    private Boolean galeraAvailableWhenDonor;

    /** Whether a connection idle at a switch is replaced at its next use (driver default true). */
    private Boolean replaceIdleConnections;

    /** How long a planned switch lets transactions in flight finish (driver default 2s; 0 turns it off). */
    private Duration drainTimeout;

    /** Whether a switch kills the application's sessions on the server it leaves (driver default true). */
    private Boolean serverFence;

    /** How long the fence at the server waits for killed sessions to be gone (driver default 2s). */
    private Duration serverFenceTimeout;

    /** Whether a switch also makes the server it leaves read-only, with the fence user (driver default false). */
    private Boolean fenceReadOnly;

    /** User that sets read_only for fence-read-only (driver default: the connection's user). */
    private String fenceUser;

    /** Password of fence-user; never logged. */
    private String fencePassword;

    /** Settings of stickyfail.store=hazelcast (docs/several-instances.md). */
    private final Hazelcast hazelcast = new Hazelcast();

    /**
     * The properties as the driver reads them ({@code stickyfail.checkInterval=500ms}, ...), only those that are set.
     */
    public Map<String, String> toDriverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        put(p, "group", group);
        put(p, "checkInterval", checkInterval);
        put(p, "checkFastInterval", checkFastInterval);
        put(p, "checkDownInterval", checkDownInterval);
        put(p, "checkTimeout", checkTimeout);
        put(p, "rise", rise);
        put(p, "fall", fall);
        put(p, "check", check);
        put(p, "checkSql", checkSql);
        put(p, "maxReplicationLag", maxReplicationLag);
        put(p, "checkUser", checkUser);
        put(p, "checkPassword", checkPassword);
        put(p, "failback", failback);
        put(p, "onMarkedDown", onMarkedDown);
        put(p, "observe", observe);
        put(p, "connectTimeout", connectTimeout);
        put(p, "failoverTimeout", failoverTimeout);
        put(p, "stateFile", stateFile);
        put(p, "store", store);
        put(p, "jmx", jmx);
        put(p, "lease", lease);
        put(p, "stateFileUnusable", stateFileUnusable);
        put(p, "switchCatchUp", switchCatchUp);
        put(p, "switchCatchUpTimeout", switchCatchUpTimeout);
        put(p, "onAbandonedReturn", onAbandonedReturn);
        put(p, "galeraAvailableWhenDonor", galeraAvailableWhenDonor);
        put(p, "replaceIdleConnections", replaceIdleConnections);
        put(p, "drainTimeout", drainTimeout);
        put(p, "serverFence", serverFence);
        put(p, "serverFenceTimeout", serverFenceTimeout);
        put(p, "fenceReadOnly", fenceReadOnly);
        put(p, "fenceUser", fenceUser);
        put(p, "fencePassword", fencePassword);
        put(p, "hazelcast.config", hazelcast.config);
        put(p, "hazelcast.clientConfig", hazelcast.clientConfig);
        put(p, "hazelcast.instanceName", hazelcast.instanceName);
        put(p, "hazelcast.tune", hazelcast.tune);
        put(p, "hazelcast.allowUnsafeMode", hazelcast.allowUnsafeMode);
        put(p, "hazelcast.callTimeout", hazelcast.callTimeout);
        put(p, "hazelcast.startTimeout", hazelcast.startTimeout);
        return p;
    }

    private static void put(Map<String, String> p, String name, Object value) {
        if (value instanceof Duration d) {
            // the driver's own form, exact to the millisecond
            p.put("stickyfail." + name, Durations.format(d));
        } else if (value != null) {
            p.put("stickyfail." + name, value.toString());
        }
    }

    public String getGroup() {
        return group;
    }

    public void setGroup(String group) {
        this.group = group;
    }

    public Duration getCheckInterval() {
        return checkInterval;
    }

    public void setCheckInterval(Duration checkInterval) {
        this.checkInterval = checkInterval;
    }

    public Duration getCheckFastInterval() {
        return checkFastInterval;
    }

    public void setCheckFastInterval(Duration checkFastInterval) {
        this.checkFastInterval = checkFastInterval;
    }

    public Duration getCheckDownInterval() {
        return checkDownInterval;
    }

    public void setCheckDownInterval(Duration checkDownInterval) {
        this.checkDownInterval = checkDownInterval;
    }

    public Duration getCheckTimeout() {
        return checkTimeout;
    }

    public void setCheckTimeout(Duration checkTimeout) {
        this.checkTimeout = checkTimeout;
    }

    public Integer getRise() {
        return rise;
    }

    public void setRise(Integer rise) {
        this.rise = rise;
    }

    public Integer getFall() {
        return fall;
    }

    public void setFall(Integer fall) {
        this.fall = fall;
    }

    public String getCheck() {
        return check;
    }

    public void setCheck(String check) {
        this.check = check;
    }

    public String getCheckSql() {
        return checkSql;
    }

    public void setCheckSql(String checkSql) {
        this.checkSql = checkSql;
    }

    public Duration getMaxReplicationLag() {
        return maxReplicationLag;
    }

    public void setMaxReplicationLag(Duration maxReplicationLag) {
        this.maxReplicationLag = maxReplicationLag;
    }

    public String getCheckUser() {
        return checkUser;
    }

    public void setCheckUser(String checkUser) {
        this.checkUser = checkUser;
    }

    public String getCheckPassword() {
        return checkPassword;
    }

    public void setCheckPassword(String checkPassword) {
        this.checkPassword = checkPassword;
    }

    public String getFailback() {
        return failback;
    }

    public void setFailback(String failback) {
        this.failback = failback;
    }

    public String getOnMarkedDown() {
        return onMarkedDown;
    }

    public void setOnMarkedDown(String onMarkedDown) {
        this.onMarkedDown = onMarkedDown;
    }

    public Boolean getObserve() {
        return observe;
    }

    public void setObserve(Boolean observe) {
        this.observe = observe;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getFailoverTimeout() {
        return failoverTimeout;
    }

    public void setFailoverTimeout(Duration failoverTimeout) {
        this.failoverTimeout = failoverTimeout;
    }

    public Path getStateFile() {
        return stateFile;
    }

    public void setStateFile(Path stateFile) {
        this.stateFile = stateFile;
    }

    public String getStore() {
        return store;
    }

    public void setStore(String store) {
        this.store = store;
    }

    public Boolean getJmx() {
        return jmx;
    }

    public void setJmx(Boolean jmx) {
        this.jmx = jmx;
    }

    public Duration getLease() {
        return lease;
    }

    public void setLease(Duration lease) {
        this.lease = lease;
    }

    public String getStateFileUnusable() {
        return stateFileUnusable;
    }

    public void setStateFileUnusable(String stateFileUnusable) {
        this.stateFileUnusable = stateFileUnusable;
    }

    public Boolean getSwitchCatchUp() {
        return switchCatchUp;
    }

    public void setSwitchCatchUp(Boolean switchCatchUp) {
        this.switchCatchUp = switchCatchUp;
    }

    public Duration getSwitchCatchUpTimeout() {
        return switchCatchUpTimeout;
    }

    public void setSwitchCatchUpTimeout(Duration switchCatchUpTimeout) {
        this.switchCatchUpTimeout = switchCatchUpTimeout;
    }

    public String getOnAbandonedReturn() {
        return onAbandonedReturn;
    }

    public void setOnAbandonedReturn(String onAbandonedReturn) {
        this.onAbandonedReturn = onAbandonedReturn;
    }

    public Boolean getGaleraAvailableWhenDonor() {
        return galeraAvailableWhenDonor;
    }

    public void setGaleraAvailableWhenDonor(Boolean galeraAvailableWhenDonor) {
        this.galeraAvailableWhenDonor = galeraAvailableWhenDonor;
    }

    public Boolean getReplaceIdleConnections() {
        return replaceIdleConnections;
    }

    public void setReplaceIdleConnections(Boolean replaceIdleConnections) {
        this.replaceIdleConnections = replaceIdleConnections;
    }

    public Duration getDrainTimeout() {
        return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
    }

    public Boolean getServerFence() {
        return serverFence;
    }

    public void setServerFence(Boolean serverFence) {
        this.serverFence = serverFence;
    }

    public Duration getServerFenceTimeout() {
        return serverFenceTimeout;
    }

    public void setServerFenceTimeout(Duration serverFenceTimeout) {
        this.serverFenceTimeout = serverFenceTimeout;
    }

    public Boolean getFenceReadOnly() {
        return fenceReadOnly;
    }

    public void setFenceReadOnly(Boolean fenceReadOnly) {
        this.fenceReadOnly = fenceReadOnly;
    }

    public String getFenceUser() {
        return fenceUser;
    }

    public void setFenceUser(String fenceUser) {
        this.fenceUser = fenceUser;
    }

    public String getFencePassword() {
        return fencePassword;
    }

    public void setFencePassword(String fencePassword) {
        this.fencePassword = fencePassword;
    }

    public Hazelcast getHazelcast() {
        return hazelcast;
    }

    /**
     * {@code stickyfail.hazelcast.*}, typed, so that Spring's relaxed names ({@code client-config},
     * {@code STICKYFAIL_HAZELCAST_CLIENTCONFIG}) reach the driver as the keys it knows ({@code clientConfig}). Exactly
     * one of {@code config}, {@code client-config} and {@code instance-name} is needed with {@code stickyfail.store=hazelcast}.
     */
    public static class Hazelcast {

        /** A Hazelcast member file (.yaml or .xml): start an embedded CP member from it, one per JVM. */
        private Path config;

        /** A Hazelcast client file (.yaml or .xml): join an existing cluster with 3 CP members as a client. */
        private Path clientConfig;

        /** The instance name of a HazelcastInstance (member or client) the application already runs. */
        private String instanceName;

        /** Apply stickyfail's failure-detector and Raft timings to the embedded member or client (driver default true). */
        private Boolean tune;

        /** Accept a cluster without CP Subsystem (cp-member-count 0): two instances can then each decide alone (driver default false). */
        private Boolean allowUnsafeMode;

        /** Bound of every Hazelcast call (driver default a quarter of stickyfail.lease, at most 2s). */
        private Duration callTimeout;

        /** How long the first connection waits for the CP Subsystem to form (driver default 60s). */
        private Duration startTimeout;

        public Path getConfig() {
            return config;
        }

        public void setConfig(Path config) {
            this.config = config;
        }

        public Path getClientConfig() {
            return clientConfig;
        }

        public void setClientConfig(Path clientConfig) {
            this.clientConfig = clientConfig;
        }

        public String getInstanceName() {
            return instanceName;
        }

        public void setInstanceName(String instanceName) {
            this.instanceName = instanceName;
        }

        public Boolean getTune() {
            return tune;
        }

        public void setTune(Boolean tune) {
            this.tune = tune;
        }

        public Boolean getAllowUnsafeMode() {
            return allowUnsafeMode;
        }

        public void setAllowUnsafeMode(Boolean allowUnsafeMode) {
            this.allowUnsafeMode = allowUnsafeMode;
        }

        public Duration getCallTimeout() {
            return callTimeout;
        }

        public void setCallTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
        }

        public Duration getStartTimeout() {
            return startTimeout;
        }

        public void setStartTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
        }
    }

    @Override
    public String toString() {
        Map<String, String> shown = toDriverProperties();
        shown.replaceAll((k, v) -> k.toLowerCase(java.util.Locale.ROOT).contains("password") ? "****" : v);
        return "StickyFailProperties" + shown;
    }
}
