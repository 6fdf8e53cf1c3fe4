package dev.stickyfail.tools;

import dev.stickyfail.StickyFail;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.config.StickyFailProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The migration command on the user reports' configurations, line by line, and on broken input. */
class HaproxyImportTest {

    private static final Path RESOURCES = Path.of("src", "test", "resources", "haproxy");

    @TempDir
    Path dir;

    record Run(int exit, List<String> out, List<String> err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = HaproxyImport.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8).lines().toList(),
                err.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"000-master-master-sticky", "001-write-pool", "003-pxc-failback", "003-pxc-peers"})
    void userReportConfigurationsTranslateLineByLine(String name) throws IOException {
        Path cfg = RESOURCES.resolve(name + ".cfg");
        List<String> expected = Files.readAllLines(RESOURCES.resolve(name + ".expected")).stream()
                .map(l -> l.replace("{file}", cfg.toString())).toList();
        Run r = run(cfg.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        for (int i = 0; i < Math.max(expected.size(), r.out().size()); i++) {
            assertThat(i < r.out().size() ? r.out().get(i) : "(no line)").as("line " + (i + 1) + " of the output")
                    .isEqualTo(i < expected.size() ? expected.get(i) : "(no line)");
        }
        assertThat(r.out().get(0)).startsWith("jdbc:stickyfail:mysql://").doesNotContain(" ");
        assertThat(r.out().subList(2, r.out().size()))
                .allSatisfy(l -> assertThat(l).matches("(mapped|note|not mapped): .*"));
    }

    @Test
    void pxcReportBecomesAUrlTheDriverAccepts() throws Exception {
        Run r = run(RESOURCES.resolve("003-pxc-failback.cfg").toString());
        StickyFailConfig config = StickyFailConfig.from(r.out().get(0), new Properties());
        assertThat(config.servers()).extracting(Object::toString).containsExactly(
                "test-pxc-db-pxc-0.test-pxc-db-pxc.pxc.svc.cluster.local:3306",
                "test-pxc-db-pxc-2.test-pxc-db-pxc.pxc.svc.cluster.local:3306",
                "test-pxc-db-pxc-1.test-pxc-db-pxc.pxc.svc.cluster.local:3306");
        assertThat(config.check()).isEqualTo("galera");
        assertThat(config.checkInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.rise()).isEqualTo(1);
        assertThat(config.fall()).isEqualTo(2);
        assertThat(config.failback().value()).isEqualTo("primary-up");
        assertThat(config.group()).isEqualTo("galera-nodes");
        assertThat(config.galeraAvailableWhenDonor()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
            "10000, 10s", "10000ms, 10s", "1500, 1500ms", "2s, 2s", "3m, 3m", "2h, 120m", "1d, 1440m",
            "1500us, 2ms", "90s, 90s"})
    void haproxyTimeUnitsConvert(String haproxy, String stickyfail) throws IOException {
        Path cfg = write("backend db\n  server a 10.0.0.1:3306 check inter " + haproxy + "\n"
                + "  server b 10.0.0.2:3306 check inter " + haproxy + " backup\n");
        Run r = run(cfg.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("mapped: lines 2-3: check inter " + haproxy + " -> stickyfail.checkInterval="
                + stickyfail + (stickyfail.equals("500ms") ? " (stickyfail's default)" : ""));
        assertThat(r.out().get(0)).isEqualTo("jdbc:stickyfail:mysql://10.0.0.1:3306,10.0.0.2:3306/"
                + "?stickyfail.checkInterval=" + stickyfail + "&stickyfail.check=tcp&stickyfail.group=db");
    }

    @Test
    void timeoutsDefaultServerAndNamedDefaultsAreInherited() throws IOException {
        Path cfg = write(String.join("\n",
                "defaults base",
                "  mode tcp",
                "  timeout check 2s",
                "  timeout queue 1m",
                "  default-server inter 1s fastinter 200 downinter 5s rise 3 fall 4",
                "defaults",
                "  mode http",
                "backend web",
                "  server w 10.0.0.9:80 check",
                "backend db from base",
                "  option mysql-check user probe post-41",
                "  timeout connect 3s",
                "  server a [2001:db8::1]:3307 check on-marked-up shutdown-backup-sessions",
                "  server b db1.example.com check backup",
                ""));
        Run r = run(cfg.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.out().get(0)).isEqualTo("jdbc:stickyfail:mysql://[2001:db8::1]:3307,db1.example.com:3306/"
                + "?stickyfail.checkInterval=1s&stickyfail.checkFastInterval=200ms&stickyfail.checkDownInterval=5s"
                + "&stickyfail.checkTimeout=2s&stickyfail.rise=3&stickyfail.fall=4&stickyfail.checkUser=probe"
                + "&stickyfail.failback=primary-up&stickyfail.connectTimeout=3s&stickyfail.failoverTimeout=1m"
                + "&stickyfail.group=db");
        assertThat(r.out()).contains(
                "note: line 14: server b has no port: HAProxy uses the port the client connected to; no bind port is "
                        + "known here, so MySQL's 3306 is used",
                "mapped: line 3: timeout check 2s -> stickyfail.checkTimeout=2s (HAProxy adds the connect time to it; "
                        + "stickyfail's is the limit for the whole probe)");
    }

    @Test
    void severalMysqlBackendsWithoutANameAreListedAndExitNonZero() throws IOException {
        Path cfg = write("backend writes\n  server a 10.0.0.1:3306 check\nlisten reads\n  bind :3307\n"
                + "  server b 10.0.0.2:3306 check\nfrontend f\n  bind :80\n");
        Run r = run(cfg.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).containsExactly(
                "haproxy-import: " + cfg + " has 2 backends that may be MySQL; name one: candidates: backend writes, "
                        + "listen reads",
                "  backend writes (line 1)",
                "  listen reads (line 3)");
        Run named = run(cfg.toString(), "reads");
        assertThat(named.exit()).isZero();
        assertThat(named.out().get(0)).isEqualTo("jdbc:stickyfail:mysql://10.0.0.2:3306/?stickyfail.check=tcp"
                + "&stickyfail.group=reads");
        Run missing = run(cfg.toString(), "nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).containsExactly("haproxy-import: " + cfg + " has no listen or backend named "
                + "'nope'; candidates: backend writes, listen reads");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "server a 10.0.0.1:3306\\n|1|'server' outside any section; a configuration starts with a section such as global, defaults, listen or backend",
            "backend db\\n  server a\\n|2|'server' expects a name and an address (server <name> <address>[:<port>] [settings]), got 'server a'",
            "backend db\\n  server a 10.0.0.1:3306 check inter 10x\\n|2|inter '10x' is not a time; expected a number with an optional unit us, ms, s, m, h or d (a bare number means ms)",
            "backend db\\n  server a 10.0.0.1:3306 check inter\\n|2|'server' keyword 'inter' expects a value, and the line ends",
            "backend db\\n  server a 10.0.0.1:3306 check rise two\\n|2|rise 'two' is not a whole number",
            "backend db\\n  timeout check soon\\n  server a 10.0.0.1:3306 check\\n|2|'timeout check' expects a time (a number with an optional unit us, ms, s, m, h or d (a bare number means ms)), got 'soon'",
            "backend db\\n  option external-check\\n  external-check command \"/bin/check\\n  server a h:1 check\\n|3|unterminated double quote",
            "backend\\n  server a 10.0.0.1:3306\\n|1|'backend' without a name; expected 'backend <name>'",
            "backend db from nowhere\\n  server a 10.0.0.1:3306\\n|1|backend db inherits from defaults 'nowhere', and there is no defaults section of that name",
            "backend db\\n  stick-table type integer size 1 peers p\\n  server a 10.0.0.1:3306 check\\n|2|stick-table names peers 'p', and there is no peers section of that name",
    })
    void malformedInputNamesFileAndLineAndExitsTwo(String text, int line, String problem) throws IOException {
        Path cfg = write(text.replace("\\n", "\n"));
        Run r = run(cfg.toString());
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).containsExactly("haproxy-import: " + cfg + ":" + line + ": " + problem);
        assertThat(r.exit()).isEqualTo(2);
    }

    @Test
    void unreadableFilesExitTwoWithOneLine() throws IOException {
        Run missing = run(dir.resolve("absent.cfg").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).containsExactly("haproxy-import: " + dir.resolve("absent.cfg") + ": no such file");

        Run directory = run(dir.toString());
        assertThat(directory.exit()).isEqualTo(2);
        assertThat(directory.err()).containsExactly("haproxy-import: " + dir
                + ": is a directory, not an HAProxy configuration file");

        Path binary = dir.resolve("binary.cfg");
        Files.write(binary, new byte[] {'b', 'a', 'c', 'k', '\n', 0x00, 0x01, (byte) 0xff});
        Run bin = run(binary.toString());
        assertThat(bin.exit()).isEqualTo(2);
        assertThat(bin.err()).containsExactly("haproxy-import: " + binary + ":2: a NUL byte: this is not a text file");

        Path latin1 = dir.resolve("latin1.cfg");
        Files.write(latin1, "backend db\n  description caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        Run l1 = run(latin1.toString());
        assertThat(l1.exit()).isEqualTo(2);
        assertThat(l1.err()).containsExactly("haproxy-import: " + latin1 + ":2: not valid UTF-8 text");
    }

    @Test
    void wrongArgumentsPrintUsage() {
        assertThat(run().exit()).isEqualTo(1);
        assertThat(run().err()).containsExactly(HaproxyImport.USAGE);
        assertThat(run("a", "b", "c").exit()).isEqualTo(1);
    }

    @Test
    void unknownExternalCheckScriptKeepsTheDefaultProbeAndSaysWhy() throws IOException {
        Path cfg = write("backend db\n  option external-check\n  external-check command /opt/my_check.sh\n"
                + "  server a 10.0.0.1:3306 check agent-check agent-port 9999 weight 10\n"
                + "  server b unix@/run/mysqld.sock check backup\n");
        Run r = run(cfg.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out().get(0)).isEqualTo("jdbc:stickyfail:mysql://10.0.0.1:3306/?stickyfail.group=db");
        assertThat(r.out()).contains(
                "not mapped: lines 2, 3: option external-check + external-check command /opt/my_check.sh: stickyfail "
                        + "runs no scripts; express the script's test as stickyfail.check=sql with stickyfail.checkSql="
                        + "<a query whose first column is true when the server may take traffic>, or register a "
                        + "dev.stickyfail.probe.ProbeFactory; the default mysql probe is used meanwhile",
                "not mapped: line 5: server b unix@/run/mysqld.sock: not a TCP address; Connector/J connects over TCP "
                        + "only, so this server is left out",
                "not mapped: line 4: agent-port 9999: agent checks are not supported; express the agent's verdict as "
                        + "stickyfail.check=sql or a ProbeFactory");
    }

    @Test
    void addressesThatCannotBeConnectedToAreLeftOutWithAReason() throws IOException {
        Path cfg = write("backend db\n  server a :3306 check\n  server b 10.0.0.1:99999 check\n"
                + "  server c 10.0.0.2 check rise 0\n  server d [::1]:3307 check backup\n  server e ::1:3308 backup\n");
        Run r = run(cfg.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out().get(0)).isEqualTo("jdbc:stickyfail:mysql://10.0.0.2:3306,[::1]:3307,[::1]:3308/"
                + "?stickyfail.check=tcp&stickyfail.group=db");
        assertThat(r.out()).contains(
                "not mapped: line 2: server a :3306: no host; stickyfail needs a host name or address to connect to, "
                        + "so this server is left out",
                "not mapped: line 3: server b 10.0.0.1:99999: port '99999' is not a port number from 1 to 65535; "
                        + "this server is left out",
                "not mapped: line 4: rise 0: stickyfail accepts 1 to 100 and keeps its default stickyfail.rise=2",
                "mapped: lines 4-5: check, with no check option -> stickyfail.check=tcp (HAProxy's plain check is a "
                        + "TCP connect; leave it out for the mysql probe, a real login and a ping)",
                "note: line 6: e without 'check': HAProxy never probes it and always counts it up; stickyfail probes "
                        + "every server");
    }

    @Test
    void everyPropertyTheImportWritesIsOneTheDriverAccepts() throws Exception {
        for (String name : List.of("000-master-master-sticky", "001-write-pool", "003-pxc-failback", "003-pxc-peers")) {
            String printed = run(RESOURCES.resolve(name + ".cfg").toString()).out().get(0);
            // The reports' own placeholders (<ip>), which the output tells the user to replace, replaced.
            Matcher placeholder = Pattern.compile("<[^>]+>").matcher(printed);
            StringBuilder replaced = new StringBuilder();
            for (int i = 0; placeholder.find(); i++) {
                placeholder.appendReplacement(replaced, "db" + i);
            }
            String url = placeholder.appendTail(replaced).toString();
            StickyFailConfig config = StickyFailConfig.from(url, new Properties()); // refuses an unknown stickyfail.* key
            for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
                String key = pair.substring(0, pair.indexOf('='));
                assertThat(StickyFailProperty.byKey(key) != null || config.storeProperties().containsKey(key))
                        .as(name + ": " + pair).isTrue();
            }
        }
    }

    /**
     * Remote peers become the shared decision together with its member file, so the URL is complete once that file and
     * the stickyfail-hazelcast artifact are there (the hazelcast module's HaproxyImportUrlTest parses it with the store's
     * own settings). Until then it fails closed: this module's tests run without the artifact, as a user who forgot it.
     */
    @Test
    void remotePeersBecomeTheSharedDecisionWithItsMemberFileAndFailClosedWithoutTheArtifact() throws Exception {
        Run r = run(RESOURCES.resolve("003-pxc-peers.cfg").toString());
        String url = r.out().get(0);
        StickyFailConfig config = StickyFailConfig.from(url, new Properties());
        assertThat(config.store()).isEqualTo("hazelcast");
        assertThat(config.storeProperties()).containsExactly(
                Map.entry(HaproxyTranslation.HAZELCAST_CONFIG, HaproxyTranslation.HAZELCAST_MEMBER_FILE));
        assertThat(r.out()).anySatisfy(l -> assertThat(l).startsWith("mapped: lines 2-4: 3 peers share the table")
                .contains(HaproxyTranslation.HAZELCAST_MEMBER_FILE, "stickyfail-hazelcast", "08001"));

        String proposedStateFile = "/var/lib/stickyfail/galera-nodes.state";
        assertThat(url).contains(proposedStateFile);
        String here = url.replace(proposedStateFile, dir.resolve("galera-nodes.state").toString());
        assertThatThrownBy(() -> DriverManager.getConnection(here, "app", "secret").close())
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("08001");
                    assertThat(e.getMessage()).contains("stickyfail.store=hazelcast needs the stickyfail-hazelcast "
                            + "artifact on the class path");
                });
        assertThat(StickyFail.group("galera-nodes")).as("a group that failed to start is gone").isEmpty();
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "haproxy", ".cfg");
        Files.writeString(file, text);
        return file;
    }
}
