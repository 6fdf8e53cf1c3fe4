package dev.stickyfail.hazelcast;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code stickyfail.hazelcast.*} properties, parsed and checked once.
 *
 * <p>Exactly one source of Hazelcast: {@code config} (an embedded member from a member file), {@code clientConfig} (a
 * client of an existing cluster) or {@code instanceName} (an instance the application already runs).
 */
public record HazelcastSettings(Source source, Path file, String instanceName, boolean tune, boolean allowUnsafeMode,
                                Duration callTimeout, Duration startTimeout, boolean claimServers) {

    /** Where the Hazelcast instance comes from. */
    public enum Source { EMBEDDED_MEMBER, CLIENT, EXISTING_INSTANCE }

    public static final String PREFIX = "stickyfail.hazelcast.";
    public static final String CONFIG = PREFIX + "config";
    public static final String CLIENT_CONFIG = PREFIX + "clientConfig";
    public static final String INSTANCE_NAME = PREFIX + "instanceName";
    public static final String TUNE = PREFIX + "tune";
    public static final String ALLOW_UNSAFE_MODE = PREFIX + "allowUnsafeMode";
    public static final String CALL_TIMEOUT = PREFIX + "callTimeout";
    public static final String START_TIMEOUT = PREFIX + "startTimeout";
    /** {@code false}: do not claim the group's servers ({@link ServerClaims}); several groups may then follow them. */
    public static final String CLAIM_SERVERS = PREFIX + "claimServers";

    private static final List<String> KNOWN = List.of(CONFIG, CLIENT_CONFIG, INSTANCE_NAME, TUNE, ALLOW_UNSAFE_MODE,
            CALL_TIMEOUT, START_TIMEOUT, CLAIM_SERVERS);
    private static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration MAX_DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(2);

    /**
     * @param lease {@code stickyfail.lease}: the default call timeout is a quarter of it (at most 2 s), so a read that
     *              cannot be answered fails well before the decision it would confirm runs out
     */
    public static HazelcastSettings parse(Map<String, String> properties, Duration lease) throws SQLException {
        for (String key : new TreeSet<>(properties.keySet())) {
            if (!KNOWN.contains(key)) {
                throw problem("unknown property " + key + "=" + properties.get(key) + "; stickyfail.store=hazelcast knows "
                        + String.join(", ", KNOWN));
            }
        }
        String config = blankToNull(properties.get(CONFIG));
        String clientConfig = blankToNull(properties.get(CLIENT_CONFIG));
        String instanceName = blankToNull(properties.get(INSTANCE_NAME));
        int given = (config != null ? 1 : 0) + (clientConfig != null ? 1 : 0) + (instanceName != null ? 1 : 0);
        if (given != 1) {
            throw problem("stickyfail.store=hazelcast needs exactly one of " + CONFIG + "=<member XML or YAML file> (an "
                    + "embedded member), " + CLIENT_CONFIG + "=<client XML or YAML file> (a client of an existing cluster) or "
                    + INSTANCE_NAME + "=<name of a HazelcastInstance this application runs>; "
                    + (given == 0 ? "none is set" : "several are set"));
        }
        Source source;
        Path file = null;
        if (config != null) {
            source = Source.EMBEDDED_MEMBER;
            file = readableConfigFile(CONFIG, config);
            if (HazelcastHandle.declaredCpMemberCount(file) > 0) {
                // here, not at the first connection: a Spring application creates its store at start to find this
                HazelcastEdition.current().requireMemberCp("the embedded member (" + CONFIG + "=" + config + ")");
            }
        } else if (clientConfig != null) {
            source = Source.CLIENT;
            file = readableConfigFile(CLIENT_CONFIG, clientConfig);
            // a client of Hazelcast 5.5+ Community refuses CP calls itself, whatever its cluster runs
            HazelcastEdition.current().requireMemberCp("the Hazelcast client (" + CLIENT_CONFIG + "=" + clientConfig + ")");
        } else {
            source = Source.EXISTING_INSTANCE;
        }
        boolean tune = bool(properties, TUNE, true);
        boolean unsafe = bool(properties, ALLOW_UNSAFE_MODE, false);
        Duration defaultCall = lease.dividedBy(4);
        if (defaultCall.compareTo(MAX_DEFAULT_CALL_TIMEOUT) > 0) {
            defaultCall = MAX_DEFAULT_CALL_TIMEOUT;
        }
        if (defaultCall.isZero()) {
            defaultCall = Duration.ofMillis(1);
        }
        Duration call = duration(properties, CALL_TIMEOUT, defaultCall);
        if (!lease.isZero() && call.compareTo(lease) >= 0) {
            throw problem(CALL_TIMEOUT + "=" + properties.get(CALL_TIMEOUT) + " must be shorter than stickyfail.lease ("
                    + lease.toMillis() + "ms): a confirming read that takes a whole lease confirms nothing");
        }
        Duration start = duration(properties, START_TIMEOUT, DEFAULT_START_TIMEOUT);
        return new HazelcastSettings(source, file, instanceName, tune, unsafe, call, start, bool(properties, CLAIM_SERVERS, true));
    }

    private static Path readableConfigFile(String key, String value) throws SQLException {
        Path p = Path.of(value).toAbsolutePath().normalize();
        String lower = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!(lower.endsWith(".xml") || lower.endsWith(".yaml") || lower.endsWith(".yml"))) {
            throw problem(key + "=" + value + " must name a Hazelcast .xml, .yaml or .yml file");
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw problem(key + "=" + value + " names no readable file (" + p + "); expected a Hazelcast .xml, .yaml or .yml file");
        }
        return p;
    }

    private static boolean bool(Map<String, String> properties, String key, boolean defaultValue) throws SQLException {
        String v = blankToNull(properties.get(key));
        if (v == null) {
            return defaultValue;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw problem(key + "=" + v + " is not a boolean; expected true or false");
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m} or plain milliseconds, positive. */
    static Duration duration(Map<String, String> properties, String key, Duration defaultValue) throws SQLException {
        String v = blankToNull(properties.get(key));
        if (v == null) {
            return defaultValue;
        }
        String s = v.trim().toLowerCase(Locale.ROOT);
        long unitMillis = 1;
        if (s.endsWith("ms")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
            unitMillis = 1000;
        } else if (s.endsWith("m")) {
            s = s.substring(0, s.length() - 1);
            unitMillis = 60_000;
        }
        try {
            long n = Long.parseLong(s.trim());
            if (n > 0 && n <= Long.MAX_VALUE / unitMillis / 1000) {
                return Duration.ofMillis(n * unitMillis);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw problem(key + "=" + v + " is not a positive duration; expected e.g. 500ms, 2s, 1m or plain milliseconds");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    static SQLException problem(String message) {
        return new SQLNonTransientConnectionException(message, "08001");
    }
}
