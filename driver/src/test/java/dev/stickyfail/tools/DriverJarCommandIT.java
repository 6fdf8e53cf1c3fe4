package dev.stickyfail.tools;

import dev.stickyfail.StickyFailDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar stickyfail-driver-<version>.jar haproxy-import ...} as a user runs it: the packaged driver jar, its
 * Main-Class, exit codes, and the URL alone on the first line. An integration test: failsafe runs it in {@code verify},
 * after {@code package}, with the jar itself on the class path ({@code ./mvnw test} does not run it).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a JVM per test
class DriverJarCommandIT {

    private static final String PXC_BACKEND = String.join("\n",
            "backend galera-nodes",
            "  mode tcp",
            "  option srvtcpka",
            "  balance roundrobin",
            "  option external-check",
            "  external-check command /usr/local/bin/check_pxc.sh",
            "  server test-pxc-db-pxc-0 test-pxc-db-pxc-0.test-pxc-db-pxc.pxc.svc.cluster.local:3306  check inter 10000 rise 1 fall 2 weight 1 on-marked-down shutdown-sessions",
            "  server test-pxc-db-pxc-2 test-pxc-db-pxc-2.test-pxc-db-pxc.pxc.svc.cluster.local:3306  check inter 10000 rise 1 fall 2 weight 1 backup on-marked-down shutdown-sessions",
            "  server test-pxc-db-pxc-1 test-pxc-db-pxc-1.test-pxc-db-pxc.pxc.svc.cluster.local:3306  check inter 10000 rise 1 fall 2 weight 1 backup on-marked-down shutdown-sessions",
            "");

    @TempDir
    Path dir;

    record Result(int exit, List<String> out, List<String> err) {
    }

    @Test
    void haproxyImportRunsFromTheDriverJar() throws Exception {
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, PXC_BACKEND);
        Result r = javaJar("haproxy-import", cfg.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out().get(0)).isEqualTo("jdbc:stickyfail:mysql://"
                + "test-pxc-db-pxc-0.test-pxc-db-pxc.pxc.svc.cluster.local:3306,"
                + "test-pxc-db-pxc-2.test-pxc-db-pxc.pxc.svc.cluster.local:3306,"
                + "test-pxc-db-pxc-1.test-pxc-db-pxc.pxc.svc.cluster.local:3306/"
                + "?stickyfail.checkInterval=10s&stickyfail.rise=1&stickyfail.fall=2&stickyfail.check=galera"
                + "&stickyfail.group=galera-nodes");
        assertThat(r.out()).hasSizeGreaterThan(10);
    }

    @Test
    void malformedFileExitsTwoWithOneLineAndNoStackTrace() throws Exception {
        Path cfg = dir.resolve("broken.cfg");
        Files.writeString(cfg, "backend db\n  server a 10.0.0.1:3306 check inter 2x\n");
        Result r = javaJar("haproxy-import", cfg.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).containsExactly("haproxy-import: " + cfg + ":2: inter '2x' is not a time; expected a "
                + "number with an optional unit us, ms, s, m, h or d (a bare number means ms)");
    }

    @Test
    void unknownCommandExitsOne() throws Exception {
        Result r = javaJar("frobnicate");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).containsExactly("stickyfail: unknown command 'frobnicate'; commands: haproxy-import");
    }

    private Result javaJar(String... args) throws IOException, InterruptedException {
        Path jar = Path.of(StickyFailDriver.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        assertThat(jar.getFileName().toString()).as("the driver on the class path is its packaged jar (failsafe, "
                + "./mvnw verify)").matches("stickyfail-driver-.*\\.jar");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command finishes").isTrue();
        return new Result(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
                Files.readAllLines(err, StandardCharsets.UTF_8));
    }
}
