package dev.stickyfail.config;

import dev.stickyfail.probe.Probes;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The whole configuration of one stickyfail URL (or DataSource), parsed once into typed values and validated once.
 * Immutable. Every problem is reported as an {@code 08001} {@link SQLException} that names the property, the value
 * and the expected form; secrets are never part of a message or of {@link #toString()}.
 */
public final class StickyFailConfig {

    private final List<ServerAddress> servers;
    private final String database;
    private final String group;
    private final Duration checkInterval;
    private final Duration checkFastInterval;
    private final Duration checkDownInterval;
    private final Duration checkTimeout;
    private final int rise;
    private final int fall;
    private final String check;
    private final String checkSql;
    private final Duration maxReplicationLag;
    private final String checkUser;
    private final String checkPassword;
    private final FailbackPolicy failback;
    private final OnMarkedDown onMarkedDown;
    private final boolean observe;
    private final Duration connectTimeout;
    private final Duration failoverTimeout;
    private final Path stateFile;
    private final boolean stateFileUnusableFreshStart;
    private final String store;
    private final boolean jmx;
    private final Duration lease;
    private final boolean switchCatchUp;
    private final Duration switchCatchUpTimeout;
    private final boolean reportAbandonedReturn;
    private final boolean replaceIdleConnections;
    private final boolean serverFence;
    private final Duration drainTimeout;
    private final Duration serverFenceTimeout;
    private final boolean fenceReadOnly;
    private final String fenceUser;
    private final String fencePassword;
    private final Map<String, String> storeProperties;
    private final boolean galeraAvailableWhenDonor;
    private final Map<String, String> connectorProperties;

    private StickyFailConfig(StickyFailUrl url, Map<String, String> ours, Map<String, String> storeProps,
                             Map<String, String> connector) throws SQLException {
        Values v = new Values(ours);
        this.servers = url.servers();
        this.database = url.database();
        this.checkInterval = v.positiveDuration(StickyFailProperty.CHECK_INTERVAL);
        this.checkFastInterval = v.positiveDuration(StickyFailProperty.CHECK_FAST_INTERVAL);
        this.checkDownInterval = v.positiveDuration(StickyFailProperty.CHECK_DOWN_INTERVAL);
        this.checkTimeout = v.positiveDuration(StickyFailProperty.CHECK_TIMEOUT);
        this.rise = v.count(StickyFailProperty.RISE);
        this.fall = v.count(StickyFailProperty.FALL);
        this.check = v.check();
        this.checkSql = v.text(StickyFailProperty.CHECK_SQL);
        if ("sql".equals(check) && checkSql == null) {
            throw ConfigErrors.invalid(StickyFailProperty.CHECK_SQL.key(), "",
                    "a query whose first column is true when the server may take traffic, because stickyfail.check=sql");
        }
        this.maxReplicationLag = v.duration(StickyFailProperty.MAX_REPLICATION_LAG);
        this.checkUser = v.text(StickyFailProperty.CHECK_USER);
        this.checkPassword = v.raw(StickyFailProperty.CHECK_PASSWORD);
        this.failback = v.choice(StickyFailProperty.FAILBACK, FailbackPolicy.values(), FailbackPolicy::value);
        this.onMarkedDown = v.choice(StickyFailProperty.ON_MARKED_DOWN, OnMarkedDown.values(), OnMarkedDown::value);
        this.observe = v.bool(StickyFailProperty.OBSERVE);
        this.connectTimeout = v.positiveDuration(StickyFailProperty.CONNECT_TIMEOUT);
        this.failoverTimeout = v.duration(StickyFailProperty.FAILOVER_TIMEOUT);
        this.stateFile = v.path(StickyFailProperty.STATE_FILE);
        this.stateFileUnusableFreshStart = "fresh-start".equals(
                v.choice(StickyFailProperty.STATE_FILE_UNUSABLE, new String[] {"refuse", "fresh-start"}, x -> x));
        this.store = v.storeName();
        this.jmx = v.bool(StickyFailProperty.JMX);
        this.lease = v.positiveDuration(StickyFailProperty.LEASE);
        this.switchCatchUp = v.bool(StickyFailProperty.SWITCH_CATCH_UP);
        this.switchCatchUpTimeout = v.positiveDuration(StickyFailProperty.SWITCH_CATCH_UP_TIMEOUT);
        this.reportAbandonedReturn = "report".equals(
                v.choice(StickyFailProperty.ON_ABANDONED_RETURN, new String[] {"report", "ignore"}, x -> x));
        this.replaceIdleConnections = v.bool(StickyFailProperty.REPLACE_IDLE_CONNECTIONS);
        this.serverFence = v.bool(StickyFailProperty.SERVER_FENCE);
        this.drainTimeout = v.duration(StickyFailProperty.DRAIN_TIMEOUT);
        this.serverFenceTimeout = v.positiveDuration(StickyFailProperty.SERVER_FENCE_TIMEOUT);
        this.fenceReadOnly = v.bool(StickyFailProperty.FENCE_READ_ONLY);
        this.fenceUser = v.text(StickyFailProperty.FENCE_USER);
        this.fencePassword = v.raw(StickyFailProperty.FENCE_PASSWORD);
        if (replaceIdleConnections || switchCatchUp) {
            // the server tells which sessions hold state a replacement would lose, and the GTID of each commit the
            // catch-up waits for; the user may still turn it off
            connector.putIfAbsent("trackSessionState", "true");
        }
        for (String key : storeProps.keySet()) {
            if (!key.startsWith(StickyFailProperty.PREFIX + store + ".")) {
                throw ConfigErrors.problem("property " + key + " belongs to stickyfail.store="
                        + key.substring(StickyFailProperty.PREFIX.length(), key.indexOf('.', StickyFailProperty.PREFIX.length()))
                        + ", but stickyfail.store=" + store);
            }
        }
        this.storeProperties = Collections.unmodifiableMap(new LinkedHashMap<>(storeProps));
        if (!"local".equals(store)) {
            for (String reconnect : new String[] {"autoReconnect", "autoReconnectForPools"}) {
                if ("true".equalsIgnoreCase(String.valueOf(connector.get(reconnect)).trim())) {
                    // a connection Connector/J reopens by itself bypasses the group: no lease on its socket, no route
                    throw ConfigErrors.invalid(reconnect, connector.get(reconnect), "false or unset: with stickyfail.store="
                            + store + " every connection must be opened by the group, which checks the shared decision "
                            + "and its lease (let the pool replace a broken connection instead)");
                }
            }
        }
        this.galeraAvailableWhenDonor = v.bool(StickyFailProperty.GALERA_AVAILABLE_WHEN_DONOR);
        String named = v.text(StickyFailProperty.GROUP);
        this.group = named != null ? named : defaultGroupName(servers, database);
        this.connectorProperties = Collections.unmodifiableMap(new LinkedHashMap<>(connector));
    }

    /**
     * Parses a URL and the properties given beside it (by {@code DriverManager}, a DataSource's setters or a pool).
     * A parameter in the URL wins over the same key in {@code info}, as with Connector/J.
     */
    public static StickyFailConfig from(String url, Properties info) throws SQLException {
        StickyFailUrl parsed = StickyFailUrl.parse(url);
        Map<String, String> merged = new LinkedHashMap<>();
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                merged.put(key, info.getProperty(key));
            }
        }
        merged.putAll(parsed.parameters());
        Map<String, String> ours = new LinkedHashMap<>();
        Map<String, String> storeProps = new LinkedHashMap<>();
        Map<String, String> connector = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : merged.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(StickyFailProperty.PREFIX) && key.indexOf('.', StickyFailProperty.PREFIX.length()) > 0
                    && StickyFailProperty.byKey(key) == null) {
                // stickyfail.<store>.<name>: the store's own settings, checked by the store
                storeProps.put(key, e.getValue());
            } else if (key.startsWith(StickyFailProperty.PREFIX)) {
                if (StickyFailProperty.byKey(key) == null) {
                    throw unknownProperty(key);
                }
                ours.put(key, e.getValue());
            } else {
                connector.put(key, e.getValue());
            }
        }
        return new StickyFailConfig(parsed, ours, storeProps, connector);
    }

    /**
     * The servers alone, not the database: one JVM must make one decision per set of servers, so
     * {@code db0,db1/app} and {@code db0,db1/audit} share a group.
     */
    static String defaultGroupName(List<ServerAddress> servers, String database) {
        return servers.stream().map(ServerAddress::toString).collect(Collectors.joining(","));
    }

    private static SQLException unknownProperty(String key) {
        StickyFailProperty closest = null;
        int best = Integer.MAX_VALUE;
        for (StickyFailProperty p : StickyFailProperty.values()) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), p.key().toLowerCase(Locale.ROOT));
            if (d < best) {
                best = d;
                closest = p;
            }
        }
        String known = Arrays.stream(StickyFailProperty.values()).map(StickyFailProperty::key).collect(Collectors.joining(", "));
        String hint = best <= 3 ? "did you mean " + closest.key() + "? " : "";
        return ConfigErrors.problem("unknown property " + key + "; " + hint + "stickyfail's properties are: " + known);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Reads one property at a time, applying the default and explaining a bad value. */
    private static final class Values {
        private final Map<String, String> given;

        Values(Map<String, String> given) {
            this.given = given;
        }

        String raw(StickyFailProperty p) {
            String value = given.get(p.key());
            return value != null ? value : p.defaultValue();
        }

        String text(StickyFailProperty p) {
            String value = raw(p);
            return value == null || value.isBlank() ? null : value.trim();
        }

        Duration duration(StickyFailProperty p) throws SQLException {
            String value = raw(p);
            Duration d = Durations.parseOrNull(value);
            if (d == null) {
                throw ConfigErrors.invalid(p.key(), value, Durations.EXPECTED);
            }
            return d;
        }

        Duration positiveDuration(StickyFailProperty p) throws SQLException {
            Duration d = duration(p);
            if (d.isZero()) {
                throw ConfigErrors.invalid(p.key(), raw(p), Durations.EXPECTED + ", greater than zero");
            }
            return d;
        }

        int count(StickyFailProperty p) throws SQLException {
            String value = raw(p);
            String expected = "a whole number from 1 to 100";
            String trimmed = value.trim();
            if (trimmed.isEmpty() || trimmed.length() > 3 || !trimmed.chars().allMatch(Character::isDigit)) {
                throw ConfigErrors.invalid(p.key(), value, expected);
            }
            int n = Integer.parseInt(trimmed);
            if (n < 1 || n > 100) {
                throw ConfigErrors.invalid(p.key(), value, expected);
            }
            return n;
        }

        boolean bool(StickyFailProperty p) throws SQLException {
            String value = raw(p).trim().toLowerCase(Locale.ROOT);
            switch (value) {
                case "true":
                case "yes":
                case "on":
                    return true;
                case "false":
                case "no":
                case "off":
                    return false;
                default:
                    throw ConfigErrors.invalid(p.key(), raw(p), "true or false");
            }
        }

        <T> T choice(StickyFailProperty p, T[] options, java.util.function.Function<T, String> name) throws SQLException {
            String value = raw(p).trim();
            for (T option : options) {
                if (name.apply(option).equalsIgnoreCase(value)) {
                    return option;
                }
            }
            throw ConfigErrors.invalid(p.key(), raw(p), "one of "
                    + Arrays.stream(options).map(name).collect(Collectors.joining(", ")));
        }

        /** local, hazelcast, or the name of another store registered through the DecisionStoreFactory service. */
        String storeName() throws SQLException {
            String value = raw(StickyFailProperty.STORE).trim().toLowerCase(Locale.ROOT);
            if (!value.matches("[a-z][a-z0-9-]*")) {
                throw ConfigErrors.invalid(StickyFailProperty.STORE.key(), raw(StickyFailProperty.STORE),
                        "local, hazelcast, or the name of a store registered through the dev.stickyfail.store.DecisionStoreFactory service");
            }
            return value;
        }

        String check() throws SQLException {
            String value = raw(StickyFailProperty.CHECK).trim().toLowerCase(Locale.ROOT);
            if (!Probes.isAvailable(value)) {
                throw ConfigErrors.invalid(StickyFailProperty.CHECK.key(), raw(StickyFailProperty.CHECK),
                        "one of " + String.join(", ", Probes.available())
                                + " (further probes register through the dev.stickyfail.probe.ProbeFactory service)");
            }
            return value;
        }

        Path path(StickyFailProperty p) throws SQLException {
            String value = text(p);
            if (value == null) {
                return null;
            }
            try {
                return Path.of(value).toAbsolutePath();
            } catch (InvalidPathException e) {
                throw ConfigErrors.invalid(p.key(), value, "a file path");
            }
        }
    }

    /**
     * The group-level settings in which two configurations naming the same group differ, by property name; empty
     * when they may share one runtime. Connection-level settings (database, user, Connector/J properties) may differ.
     */
    public List<String> groupSettingsDifferences(StickyFailConfig other) {
        List<String> diff = new ArrayList<>();
        if (!servers.equals(other.servers)) {
            diff.add("servers (" + servers + " vs " + other.servers + ")");
        }
        compare(diff, StickyFailProperty.CHECK_INTERVAL, checkInterval, other.checkInterval);
        compare(diff, StickyFailProperty.CHECK_FAST_INTERVAL, checkFastInterval, other.checkFastInterval);
        compare(diff, StickyFailProperty.CHECK_DOWN_INTERVAL, checkDownInterval, other.checkDownInterval);
        compare(diff, StickyFailProperty.CHECK_TIMEOUT, checkTimeout, other.checkTimeout);
        compare(diff, StickyFailProperty.RISE, rise, other.rise);
        compare(diff, StickyFailProperty.FALL, fall, other.fall);
        compare(diff, StickyFailProperty.CHECK, check, other.check);
        compare(diff, StickyFailProperty.CHECK_SQL, checkSql, other.checkSql);
        compare(diff, StickyFailProperty.MAX_REPLICATION_LAG, maxReplicationLag, other.maxReplicationLag);
        compare(diff, StickyFailProperty.CHECK_USER, checkUser, other.checkUser);
        if (!Objects.equals(checkPassword, other.checkPassword)) {
            diff.add(StickyFailProperty.CHECK_PASSWORD.key());
        }
        compare(diff, StickyFailProperty.FAILBACK, failback, other.failback);
        compare(diff, StickyFailProperty.ON_MARKED_DOWN, onMarkedDown, other.onMarkedDown);
        compare(diff, StickyFailProperty.OBSERVE, observe, other.observe);
        compare(diff, StickyFailProperty.CONNECT_TIMEOUT, connectTimeout, other.connectTimeout);
        compare(diff, StickyFailProperty.FAILOVER_TIMEOUT, failoverTimeout, other.failoverTimeout);
        compare(diff, StickyFailProperty.STATE_FILE, stateFile, other.stateFile);
        compare(diff, StickyFailProperty.STATE_FILE_UNUSABLE, stateFileUnusableFreshStart, other.stateFileUnusableFreshStart);
        compare(diff, StickyFailProperty.STORE, store, other.store);
        compare(diff, StickyFailProperty.JMX, jmx, other.jmx);
        compare(diff, StickyFailProperty.LEASE, lease, other.lease);
        compare(diff, StickyFailProperty.SWITCH_CATCH_UP, switchCatchUp, other.switchCatchUp);
        compare(diff, StickyFailProperty.SWITCH_CATCH_UP_TIMEOUT, switchCatchUpTimeout, other.switchCatchUpTimeout);
        compare(diff, StickyFailProperty.ON_ABANDONED_RETURN, reportAbandonedReturn, other.reportAbandonedReturn);
        compare(diff, StickyFailProperty.REPLACE_IDLE_CONNECTIONS, replaceIdleConnections, other.replaceIdleConnections);
        compare(diff, StickyFailProperty.SERVER_FENCE, serverFence, other.serverFence);
        compare(diff, StickyFailProperty.DRAIN_TIMEOUT, drainTimeout, other.drainTimeout);
        compare(diff, StickyFailProperty.SERVER_FENCE_TIMEOUT, serverFenceTimeout, other.serverFenceTimeout);
        compare(diff, StickyFailProperty.FENCE_READ_ONLY, fenceReadOnly, other.fenceReadOnly);
        compare(diff, StickyFailProperty.FENCE_USER, fenceUser, other.fenceUser);
        if (!Objects.equals(fencePassword, other.fencePassword)) {
            diff.add(StickyFailProperty.FENCE_PASSWORD.key());
        }
        if (!storeProperties.equals(other.storeProperties)) {
            diff.add("stickyfail." + store + ".* (" + storeProperties.keySet() + " vs " + other.storeProperties.keySet() + ")");
        }
        compare(diff, StickyFailProperty.GALERA_AVAILABLE_WHEN_DONOR, galeraAvailableWhenDonor,
                other.galeraAvailableWhenDonor);
        return diff;
    }

    private static void compare(List<String> diff, StickyFailProperty p, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            diff.add(p.key() + " (" + a + " vs " + b + ")");
        }
    }

    public List<ServerAddress> servers() {
        return servers;
    }

    /** @return the database of the URL, or {@code null} */
    public String database() {
        return database;
    }

    public String group() {
        return group;
    }

    /** {@code stickyfail.stateFileUnusable=fresh-start}: an untrusted state file is ignored instead of refused. */
    public boolean stateFileUnusableFreshStart() {
        return stateFileUnusableFreshStart;
    }

    /** {@code stickyfail.switchCatchUp}: whether a switch waits for the new server to apply what it had received. */
    public boolean switchCatchUp() {
        return switchCatchUp;
    }

    public Duration switchCatchUpTimeout() {
        return switchCatchUpTimeout;
    }

    /** {@code stickyfail.onAbandonedReturn=report}. */
    public boolean reportAbandonedReturn() {
        return reportAbandonedReturn;
    }

    /** Whether a connection idle at a switch is replaced at its next use (see docs/errors-and-retries.md). */
    public boolean replaceIdleConnections() {
        return replaceIdleConnections;
    }

    /** {@code stickyfail.lease}: how long a shared decision, once confirmed, is trusted. */
    public Duration lease() {
        return lease;
    }

    /** Every {@code stickyfail.<store>.*} property (for the configured store), by full key. */
    public Map<String, String> storeProperties() {
        return storeProperties;
    }

    public Duration checkInterval() {
        return checkInterval;
    }

    public Duration checkFastInterval() {
        return checkFastInterval;
    }

    public Duration checkDownInterval() {
        return checkDownInterval;
    }

    public Duration checkTimeout() {
        return checkTimeout;
    }

    public int rise() {
        return rise;
    }

    public int fall() {
        return fall;
    }

    public String check() {
        return check;
    }

    /** @return the sql probe's query, or {@code null} */
    public String checkSql() {
        return checkSql;
    }

    public Duration maxReplicationLag() {
        return maxReplicationLag;
    }

    /** {@code stickyfail.serverFence}: kill the application's sessions on a server the group leaves. */
    public boolean serverFence() {
        return serverFence;
    }

    /** {@code stickyfail.drainTimeout}: how long a planned switch lets transactions in flight finish (0: none). */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    public Duration serverFenceTimeout() {
        return serverFenceTimeout;
    }

    /** {@code stickyfail.fenceReadOnly}: also make the server left read-only. */
    public boolean fenceReadOnly() {
        return fenceReadOnly;
    }

    /** The user that sets read_only: {@code stickyfail.fenceUser}, else the connection's user (may be {@code null}). */
    public String fenceUser() {
        return fenceUser != null ? fenceUser : connectorProperties.get("user");
    }

    /** The password of {@link #fenceUser()} (may be {@code null}); never log it. */
    public String fencePassword() {
        if (fenceUser != null || fencePassword != null) {
            return fencePassword;
        }
        return connectorProperties.get("password");
    }

    /** The user the probes log in with: {@code stickyfail.checkUser}, else the connection's user (may be {@code null}). */
    public String probeUser() {
        return checkUser != null ? checkUser : connectorProperties.get("user");
    }

    /** The password of {@link #probeUser()} (may be {@code null}); never log it. */
    public String probePassword() {
        if (checkUser != null || checkPassword != null) {
            return checkPassword;
        }
        return connectorProperties.get("password");
    }

    public FailbackPolicy failback() {
        return failback;
    }

    public OnMarkedDown onMarkedDown() {
        return onMarkedDown;
    }

    public boolean observe() {
        return observe;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration failoverTimeout() {
        return failoverTimeout;
    }

    /** @return the state file, or {@code null} when the decision is kept in memory only */
    public Path stateFile() {
        return stateFile;
    }

    public String store() {
        return store;
    }

    public boolean jmx() {
        return jmx;
    }

    /** {@code stickyfail.galeraAvailableWhenDonor}: the galera probe accepts a donor node. */
    public boolean galeraAvailableWhenDonor() {
        return galeraAvailableWhenDonor;
    }

    /** Every property that is not stickyfail's, for Connector/J, including {@code user} and {@code password}. */
    public Map<String, String> connectorProperties() {
        return connectorProperties;
    }

    /** The settings as {@code key=value} lines, secrets masked; for logs and diagnostics. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("StickyFailConfig{group=").append(group)
                .append(", servers=").append(servers)
                .append(", database=").append(database)
                .append(", checkInterval=").append(Durations.format(checkInterval))
                .append(", checkFastInterval=").append(Durations.format(checkFastInterval))
                .append(", checkDownInterval=").append(Durations.format(checkDownInterval))
                .append(", checkTimeout=").append(Durations.format(checkTimeout))
                .append(", rise=").append(rise)
                .append(", fall=").append(fall)
                .append(", check=").append(check)
                .append(", failback=").append(failback.value())
                .append(", onMarkedDown=").append(onMarkedDown.value())
                .append(", observe=").append(observe)
                .append(", connectTimeout=").append(Durations.format(connectTimeout))
                .append(", failoverTimeout=").append(Durations.format(failoverTimeout))
                .append(", stateFile=").append(stateFile)
                .append(", store=").append(store)
                .append(", galeraAvailableWhenDonor=").append(galeraAvailableWhenDonor);
        for (Map.Entry<String, String> e : connectorProperties.entrySet()) {
            sb.append(", ").append(e.getKey()).append('=')
                    .append(StickyFailProperty.isSecretKey(e.getKey()) ? "****" : e.getValue());
        }
        return sb.append('}').toString();
    }
}
