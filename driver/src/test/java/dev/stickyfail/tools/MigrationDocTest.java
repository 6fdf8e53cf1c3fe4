package dev.stickyfail.tools;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/migrating-from-haproxy.md shows the command's real output: keep the example in step with the code. */
class MigrationDocTest {

    @Test
    void theDocumentedExampleIsWhatTheCommandPrints() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "migrating-from-haproxy.md"));
        String config = block(doc, "<!-- haproxy-import example: configuration -->");
        String output = block(doc, "<!-- haproxy-import example: output -->");
        assertThat(config).isEqualTo(Files.readString(Path.of("src/test/resources/haproxy/003-pxc-peers.cfg")));

        Path dir = Files.createTempDirectory("migration-doc");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        HaproxyImportTest.Run r = HaproxyImportTest.run(cfg.toString());
        assertThat(r.exit()).isZero();
        List<String> printed = r.out().stream().map(l -> l.replace(cfg.toString(), "haproxy.cfg")).toList();
        assertThat(printed).containsExactlyElementsOf(output.lines().toList());
        Files.delete(cfg);
        Files.delete(dir);
    }

    private static String block(String doc, String marker) {
        int at = doc.indexOf(marker);
        assertThat(at).as(marker).isNotNegative();
        int start = doc.indexOf("```\n", at) + 4;
        int end = doc.indexOf("```\n", start);
        return doc.substring(start, end);
    }
}
