package dev.stickyfail.hazelcast;

import com.hazelcast.instance.BuildInfo;
import com.hazelcast.instance.BuildInfoProvider;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

/**
 * Which Hazelcast is on the class path, and whether its CP Subsystem can be used. Hazelcast Community has a CP
 * Subsystem up to 5.4; from 5.5 it is an Enterprise feature, and a Community member given a CP configuration refuses
 * to start ("CP subsystem is a licensed feature"). Spring Boot 4's dependency management brings 5.5.0, so an
 * application that adds {@code stickyfail-hazelcast} gets it unless it overrides the version: this says so in one line,
 * with the setting that fixes it, before a member is started.
 */
final class HazelcastEdition {

    /** The last Community release with a CP Subsystem; what {@code stickyfail-hazelcast} is built and tested with. */
    static final String LAST_COMMUNITY_WITH_CP = "5.4.0";

    private final String version;
    private final boolean enterprise;

    HazelcastEdition(String version, boolean enterprise) {
        this.version = version;
        this.enterprise = enterprise;
    }

    /** The Hazelcast this JVM runs. */
    static HazelcastEdition current() {
        BuildInfo info = BuildInfoProvider.getBuildInfo();
        return new HazelcastEdition(info.getVersion(), info.isEnterprise());
    }

    String version() {
        return version;
    }

    /**
     * Whether a member of this Hazelcast can run the CP Subsystem: Enterprise, or Community before 5.5. A client of
     * 5.5+ Community refuses CP calls too, whatever its cluster runs (measured with 5.5.0 against 5.4.0 members).
     */
    boolean memberHasCp() {
        if (enterprise) {
            return true;
        }
        int[] v = majorMinor(version);
        return v == null || v[0] < 5 || (v[0] == 5 && v[1] < 5);
    }

    String describe() {
        return "Hazelcast " + version + (enterprise ? " Enterprise" : " Community");
    }

    /** Fails when a member (or client) started here could not use the CP Subsystem. */
    void requireMemberCp(String what) throws SQLException {
        if (!memberHasCp()) {
            throw noCp(what);
        }
    }

    /** The one-line error for a Hazelcast without a usable CP Subsystem. */
    SQLException noCp(String what) {
        return new SQLNonTransientConnectionException("stickyfail.store=hazelcast: " + message(what), "08001");
    }

    String message(String what) {
        return what + " needs Hazelcast's CP Subsystem, and " + describe()
                + " on the class path has none (Community has it up to " + LAST_COMMUNITY_WITH_CP + "; from 5.5 it needs an "
                + "Enterprise licence); use com.hazelcast:hazelcast:" + LAST_COMMUNITY_WITH_CP + ": with Spring Boot's parent "
                + "set the property hazelcast.version=" + LAST_COMMUNITY_WITH_CP + " (Gradle: ext['hazelcast.version']), or "
                + "import dev.stickyfail:stickyfail-bom before spring-boot-dependencies";
    }

    /** Whether {@code e} (or a cause) is Hazelcast refusing CP for want of a licence. */
    static boolean isLicenceRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("CP subsystem is a licensed feature")) {
                return true;
            }
        }
        return false;
    }

    /** {major, minor} of {@code 5.4.0}, {@code 5.5.0-SNAPSHOT}, ...; null when it does not parse. */
    static int[] majorMinor(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.split("[.-]");
        try {
            return new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
