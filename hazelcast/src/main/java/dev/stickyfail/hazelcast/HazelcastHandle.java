package dev.stickyfail.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.XmlClientConfigBuilder;
import com.hazelcast.client.config.YamlClientConfigBuilder;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hazelcast instance a store uses, wherever it comes from. Embedded members and clients are shared by every group of
 * the JVM that names the same file and counted, so the last store to close shuts them down; an instance the application
 * runs itself is never shut down by stickyfail.
 */
abstract class HazelcastHandle {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastHandle.class);
    private static final Object LOCK = new Object();
    private static Embedded embedded;
    private static final Map<Path, Client> CLIENTS = new HashMap<>();

    /** The instance to use now (a restarted embedded member is a new instance). */
    abstract HazelcastInstance instance();

    /** Changes when {@link #instance()} does. */
    long generation() {
        return 0;
    }

    /**
     * Waits until the CP Subsystem can answer, and checks that it is a real one (at least 3 CP members) unless unsafe
     * mode is allowed.
     */
    abstract void awaitReady(HazelcastSettings settings, String log) throws SQLException;

    abstract String describe();

    abstract void release();

    static HazelcastHandle acquire(HazelcastSettings settings, String log) throws SQLException {
        switch (settings.source()) {
            case EMBEDDED_MEMBER:
                synchronized (LOCK) {
                    if (embedded == null) {
                        Config first = loadMember(settings, log);
                        int count = first.getCPSubsystemConfig().getCPMemberCount();
                        if (count == 0 && !settings.allowUnsafeMode()) {
                            throw HazelcastSettings.problem(fewerThanThree(HazelcastSettings.CONFIG + "=" + settings.file(),
                                    "sets no cp-subsystem.cp-member-count, so Hazelcast's CP Subsystem is off (its UNSAFE mode)"));
                        }
                        if (count > 0) {
                            HazelcastEdition.current().requireMemberCp("the embedded member (" + HazelcastSettings.CONFIG
                                    + "=" + settings.file() + ")");
                        }
                        EmbeddedMember m;
                        try {
                            m = EmbeddedMember.start(settings.file().toString(), () -> {
                                try {
                                    return loadMember(settings, null);
                                } catch (SQLException e) {
                                    throw new IllegalStateException(e.getMessage(), e);
                                }
                            });
                        } catch (RuntimeException e) {
                            if (HazelcastEdition.isLicenceRefusal(e)) {
                                throw HazelcastEdition.current().noCp("the embedded member (" + HazelcastSettings.CONFIG
                                        + "=" + settings.file() + ")");
                            }
                            throw HazelcastSettings.problem("the embedded Hazelcast member from " + HazelcastSettings.CONFIG
                                    + "=" + settings.file() + " did not start: " + e);
                        }
                        embedded = new Embedded(settings, m);
                    } else if (!embedded.settings.file().equals(settings.file())
                            || embedded.settings.tune() != settings.tune()) {
                        throw HazelcastSettings.problem("one embedded Hazelcast member per JVM: it already runs from "
                                + HazelcastSettings.CONFIG + "=" + embedded.settings.file() + " (" + HazelcastSettings.TUNE + "="
                                + embedded.settings.tune() + "), and this group names " + settings.file() + " ("
                                + HazelcastSettings.TUNE + "=" + settings.tune() + "); give every group the same settings");
                    }
                    embedded.refs++;
                    return embedded;
                }
            case CLIENT:
                synchronized (LOCK) {
                    Client c = CLIENTS.get(settings.file());
                    if (c == null) {
                        HazelcastEdition.current().requireMemberCp("the Hazelcast client (" + HazelcastSettings.CLIENT_CONFIG
                                + "=" + settings.file() + ")");
                        ClientConfig cc = loadClient(settings.file());
                        List<String> changed = MemberTuning.applyClient(cc, settings.tune());
                        LOG.info("{} hazelcast client: applying {}", log, changed);
                        try {
                            c = new Client(settings.file(), HazelcastClient.newHazelcastClient(cc));
                        } catch (RuntimeException e) {
                            throw HazelcastSettings.problem("the Hazelcast client from " + HazelcastSettings.CLIENT_CONFIG + "="
                                    + settings.file() + " did not connect: " + e);
                        }
                        CLIENTS.put(settings.file(), c);
                    }
                    c.refs++;
                    return c;
                }
            default:
                HazelcastInstance hz = Hazelcast.getHazelcastInstanceByName(settings.instanceName());
                if (hz == null) {
                    hz = HazelcastClient.getHazelcastClientByName(settings.instanceName());
                }
                if (hz == null) {
                    throw HazelcastSettings.problem(HazelcastSettings.INSTANCE_NAME + "=" + settings.instanceName()
                            + " names no running HazelcastInstance or client in this JVM; start it before the first "
                            + "connection, or use " + HazelcastSettings.CONFIG + " or " + HazelcastSettings.CLIENT_CONFIG);
                }
                return new Existing(settings.instanceName(), hz);
        }
    }

    /** The member file with stickyfail's tuning; {@code log} non-null: log what was tuned. */
    static Config loadMember(HazelcastSettings settings, String log) throws SQLException {
        // Hazelcast's own message for 1 or 2 is a schema error ("no subschema matched"): say what is wrong first
        int declared = declaredCpMemberCount(settings.file());
        if (declared == 1 || declared == 2) {
            throw HazelcastSettings.problem(fewerThanThree(HazelcastSettings.CONFIG + "=" + settings.file(),
                    "sets cp-member-count " + declared + ", and a CP Subsystem needs at least 3 CP members"));
        }
        Config config;
        try {
            config = Config.loadFromFile(settings.file().toFile());
        } catch (Exception e) {
            throw HazelcastSettings.problem(HazelcastSettings.CONFIG + "=" + settings.file() + " is not a usable Hazelcast "
                    + "member file: " + rootMessage(e) + howToFix(e));
        }
        applyTuning(config, settings.tune(), log);
        return config;
    }

    private static final Pattern CP_MEMBER_COUNT = Pattern.compile("cp-member-count\\s*(?::|>)\\s*[\"']?(\\d+)");

    /** {@code cp-member-count} as the YAML or XML file spells it, or -1. */
    static int declaredCpMemberCount(Path file) {
        try {
            Matcher m = CP_MEMBER_COUNT.matcher(Files.readString(file));
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1; // loading reports it
        }
    }

    static void applyTuning(Config config, boolean tune, String log) {
        List<String> changed = MemberTuning.apply(config, tune);
        if (config.getProperty("hazelcast.logging.type") == null && System.getProperty("hazelcast.logging.type") == null) {
            config.setProperty("hazelcast.logging.type", "slf4j");
        }
        if (log != null) {
            LOG.info("{} hazelcast: applying {}", log, changed.isEmpty() ? "nothing (" + HazelcastSettings.TUNE + "=false)"
                    : String.join(", ", changed));
        }
    }

    private static ClientConfig loadClient(Path file) throws SQLException {
        try {
            String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
            return lower.endsWith(".xml") ? new XmlClientConfigBuilder(file.toFile()).build()
                    : new YamlClientConfigBuilder(file.toFile()).build();
        } catch (Exception e) {
            throw HazelcastSettings.problem(HazelcastSettings.CLIENT_CONFIG + "=" + file + " is not a usable Hazelcast client "
                    + "file: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }

    private static String howToFix(Throwable e) {
        String m = String.valueOf(e.getMessage()) + rootMessage(e);
        return m.contains("at least 3 CP members")
                ? "; " + fewerThanThree(null, null).substring(2)
                : "";
    }

    static String fewerThanThree(String what, String problem) {
        return (what == null ? "" : what + " " + problem)
                + ": stickyfail.store=hazelcast needs Hazelcast's CP Subsystem with at least 3 CP members "
                + "(cp-subsystem.cp-member-count: 3), or two application instances could each decide alone. Run three "
                + "application instances with cp-member-count: 3, or two and a standalone member (java -jar "
                + "stickyfail-hazelcast-<version>-member.jar member.yaml), or point " + HazelcastSettings.CLIENT_CONFIG
                + " at a cluster that has 3 CP members; or accept the risk with " + HazelcastSettings.ALLOW_UNSAFE_MODE
                + "=true";
    }

    static void warnUnsafe(String log, String where) {
        LOG.warn("{} hazelcast: UNSAFE MODE ({}; {}=true): the decision is only eventually consistent; under a network "
                        + "partition or a pause two instances can each decide alone and BOTH SERVERS CAN TAKE WRITES. Use a "
                        + "CP Subsystem with at least 3 CP members in production.", log, where,
                HazelcastSettings.ALLOW_UNSAFE_MODE);
    }

    /** Whether a member instance runs the CP Subsystem; a client cannot see its cluster's configuration: null. */
    static Integer cpMemberCountOf(HazelcastInstance hz) {
        try {
            return hz.getConfig().getCPSubsystemConfig().getCPMemberCount();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    static void checkCpMemberCount(Integer count, HazelcastSettings settings, String what, String log) throws SQLException {
        if (count != null && count == 0) {
            if (!settings.allowUnsafeMode()) {
                throw HazelcastSettings.problem(fewerThanThree(what, "has no CP Subsystem (cp-member-count 0, Hazelcast's "
                        + "UNSAFE mode)"));
            }
            warnUnsafe(log, what + " has cp-member-count 0");
        }
    }

    private static final class Embedded extends HazelcastHandle {
        final HazelcastSettings settings;
        final EmbeddedMember member;
        int refs;

        Embedded(HazelcastSettings settings, EmbeddedMember member) {
            this.settings = settings;
            this.member = member;
        }

        @Override
        HazelcastInstance instance() {
            return member.instance();
        }

        @Override
        long generation() {
            return member.generation();
        }

        @Override
        void awaitReady(HazelcastSettings s, String log) throws SQLException {
            if (member.cpMemberCount() == 0) {
                warnUnsafe(log, HazelcastSettings.CONFIG + "=" + settings.file() + " sets no cp-member-count");
                return;
            }
            boolean ready;
            try {
                ready = member.awaitCpDiscovery(s.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HazelcastSettings.problem(log + " interrupted while waiting for the Hazelcast CP Subsystem");
            }
            if (!ready) {
                HazelcastInstance hz = member.instance();
                throw new java.sql.SQLTransientConnectionException(log + " the Hazelcast CP Subsystem did not form within "
                        + s.startTimeout().toMillis() + " ms (" + HazelcastSettings.START_TIMEOUT + "): this member ("
                        + describe() + ") sees " + safeMembers(hz) + " and waits for " + member.cpMemberCount()
                        + " members; start the other application instances (or the standalone member) with the same "
                        + "cluster-name and tcp-ip member list", "08001");
            }
        }

        @Override
        String describe() {
            return member.describe();
        }

        @Override
        void release() {
            synchronized (LOCK) {
                if (--refs == 0) {
                    embedded = null;
                    member.close();
                }
            }
        }
    }

    private static String safeMembers(HazelcastInstance hz) {
        try {
            return hz.getCluster().getMembers().size() + " member(s) " + hz.getCluster().getMembers();
        } catch (RuntimeException e) {
            return "no cluster (" + e.getMessage() + ")";
        }
    }

    /** A CP object no store uses: one read of it tells whether the cluster answers CP calls at all. */
    static final String CP_CHECK = "stickyfail.cp-check";

    /**
     * Members of Hazelcast 5.5 or later Community refuse every CP call ("CP subsystem is a licensed feature"), which a
     * client only learns by making one. One read, bounded by the call timeout: a refusal is the one-line error; a read
     * that is merely slow (a CP group still electing its leader) is left to the store's own start-up.
     */
    static void requireClusterCp(HazelcastInstance hz, HazelcastSettings settings, String what, String log)
            throws SQLException {
        try {
            // not interrupted when it runs out: a Hazelcast call is left to finish (or fail) on its own thread
            Calls.awaitWithoutCancel(java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> hz.getCPSubsystem().<String>getAtomicReference(CP_CHECK).get(), Calls.BLOCKING),
                    settings.callTimeout(), "a CP read", log);
        } catch (SQLException e) {
            if (HazelcastEdition.isLicenceRefusal(e)) {
                throw HazelcastSettings.problem("stickyfail.store=hazelcast: " + what + " refuses CP calls (\"CP subsystem is "
                        + "a licensed feature\": its members, or this client, " + HazelcastEdition.current().describe()
                        + ", are Hazelcast 5.5 or later Community); run the members and the client on Hazelcast "
                        + HazelcastEdition.LAST_COMMUNITY_WITH_CP + " (the stickyfail member jar; with Spring Boot's parent the "
                        + "property hazelcast.version=" + HazelcastEdition.LAST_COMMUNITY_WITH_CP + "), or on Enterprise");
            }
            LOG.debug("{} CP check: {}; the store's start-up waits for the CP Subsystem", log, e.toString());
        }
    }

    private static final class Client extends HazelcastHandle {
        final Path file;
        final HazelcastInstance client;
        int refs;

        Client(Path file, HazelcastInstance client) {
            this.file = file;
            this.client = client;
        }

        @Override
        HazelcastInstance instance() {
            return client;
        }

        @Override
        void awaitReady(HazelcastSettings settings, String log) throws SQLException {
            // A client cannot read its cluster's cp-member-count; in unsafe mode the cluster logs the warning itself.
            if (settings.allowUnsafeMode()) {
                warnUnsafe(log, "allowed for the cluster of " + HazelcastSettings.CLIENT_CONFIG + "=" + file);
            }
            requireClusterCp(client, settings, "the cluster of " + HazelcastSettings.CLIENT_CONFIG + "=" + file, log);
        }

        @Override
        String describe() {
            return "client of " + safeMembers(client);
        }

        @Override
        void release() {
            synchronized (LOCK) {
                if (--refs == 0) {
                    CLIENTS.remove(file);
                    client.shutdown();
                }
            }
        }
    }

    private static final class Existing extends HazelcastHandle {
        final String name;
        final HazelcastInstance hz;

        Existing(String name, HazelcastInstance hz) {
            this.name = name;
            this.hz = hz;
        }

        @Override
        HazelcastInstance instance() {
            return hz;
        }

        @Override
        void awaitReady(HazelcastSettings settings, String log) throws SQLException {
            Integer count = cpMemberCountOf(hz);
            String what = "the HazelcastInstance " + HazelcastSettings.INSTANCE_NAME + "=" + name;
            if (count != null && count == 0 && !settings.allowUnsafeMode() && !HazelcastEdition.current().memberHasCp()) {
                throw HazelcastEdition.current().noCp(what);
            }
            if (count == null) {
                // a client: one of Hazelcast 5.5+ Community refuses CP calls itself, whatever its cluster runs
                HazelcastEdition.current().requireMemberCp(what + ", a client");
                requireClusterCp(hz, settings, what, log);
            }
            checkCpMemberCount(count, settings, what, log);
            if (count != null && count > 0) {
                try {
                    if (!hz.getCPSubsystem().getCPSubsystemManagementService().awaitUntilDiscoveryCompleted(
                            settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new java.sql.SQLTransientConnectionException(log + " the Hazelcast CP Subsystem of "
                                + HazelcastSettings.INSTANCE_NAME + "=" + name + " did not form within "
                                + settings.startTimeout().toMillis() + " ms (" + HazelcastSettings.START_TIMEOUT + "); it sees "
                                + safeMembers(hz) + " and needs " + count, "08001");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw HazelcastSettings.problem(log + " interrupted while waiting for the Hazelcast CP Subsystem");
                }
            }
        }

        @Override
        String describe() {
            return "instance " + name + ", " + safeMembers(hz);
        }

        @Override
        void release() {
            // the application's own instance: it shuts it down
        }
    }
}
