package dev.stickyfail.hazelcast;

import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.tools.HaproxyImport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The URL {@code haproxy-import} prints for HAProxy peers shared between instances is one this store accepts as
 * printed, once the member file it names exists; before that, the store's error names the file.
 */
class HaproxyImportUrlTest {

    private static final String PROPOSED_MEMBER_FILE = "/etc/stickyfail/hazelcast.yaml";

    @TempDir
    Path dir;

    @Test
    void thePrintedUrlCarriesEverySettingTheStoreNeeds() throws Exception {
        String url = importedUrl();
        assertThat(url).contains("stickyfail.store=hazelcast", HazelcastSettings.CONFIG + "=" + PROPOSED_MEMBER_FILE);
        StickyFailConfig config = StickyFailConfig.from(url, new Properties());

        if (!Files.exists(Path.of(PROPOSED_MEMBER_FILE))) {
            assertThatThrownBy(() -> HazelcastSettings.parse(config.storeProperties(), config.lease()))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining(HazelcastSettings.CONFIG + "=" + PROPOSED_MEMBER_FILE + " names no readable file");
        }

        Path member = Files.writeString(dir.resolve("hazelcast.yaml"), "hazelcast:\n  cluster-name: app-stickyfail\n");
        StickyFailConfig withFile = StickyFailConfig.from(url.replace(PROPOSED_MEMBER_FILE, member.toString()),
                new Properties());
        HazelcastSettings settings = HazelcastSettings.parse(withFile.storeProperties(), withFile.lease());
        assertThat(settings.source()).isEqualTo(HazelcastSettings.Source.EMBEDDED_MEMBER);
        assertThat(settings.file()).isEqualTo(member.toAbsolutePath().normalize());
    }

    private static String importedUrl() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = HaproxyImport.run(List.of("../driver/src/test/resources/haproxy/003-pxc-peers.cfg"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(exit).isZero();
        return out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
    }
}
