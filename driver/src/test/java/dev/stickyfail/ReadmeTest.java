package dev.stickyfail;

import dev.stickyfail.config.StickyFailProperty;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs stay true to the code: the configuration reference ({@code docs/configuration.md}) lists every property with
 * its default, the README's error summary names every SQLState, every relative link and anchor resolves, and the
 * Prometheus alerts in {@code docs/operations.md} and {@code docs/prometheus-alerts.yml} evaluate over several instances.
 */
class ReadmeTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void configurationReferenceListsEveryPropertyWithItsDefault() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String reference = Files.readString(ROOT.resolve("docs/configuration.md"));
        for (StickyFailProperty p : StickyFailProperty.values()) {
            String row = reference.lines().filter(l -> l.startsWith("| `" + p.key() + "` |")).findFirst().orElse(null);
            assertThat(row).as("docs/configuration.md row for " + p.key()).isNotNull();
            if (p.defaultValue() != null) {
                assertThat(row).as(p.key() + " default").contains("| `" + p.defaultValue() + "` |");
            }
        }
        for (String state : new String[] {SqlStates.CONNECTION_ABORTED, SqlStates.TRANSACTION_RESOLUTION_UNKNOWN,
                SqlStates.UNABLE_TO_CONNECT}) {
            assertThat(readme).contains("`" + state + "`");
        }
    }

    @Test
    void everyDocumentedDriverPropertyExists() throws IOException {
        String reference = Files.readString(ROOT.resolve("docs/configuration.md"));
        Matcher row = Pattern.compile("(?m)^\\| `(stickyfail\\.[A-Za-z]+)` \\|").matcher(reference);
        List<String> rows = new ArrayList<>();
        while (row.find()) {
            rows.add(row.group(1));
        }
        assertThat(rows).isNotEmpty().allSatisfy(key ->
                assertThat(StickyFailProperty.byKey(key)).as("docs/configuration.md documents " + key).isNotNull());
    }

    /** Relative links in README.md, CONTRIBUTING.md and docs/*.md name a file that exists, and a heading it has. */
    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CONTRIBUTING.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs) {
            for (String target : relativeLinks(Files.readString(doc))) {
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path linked = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(linked)) {
                    broken.add(doc.getFileName() + ": " + target + " (no such file)");
                } else if (hash >= 0 && !anchors(linked).contains(target.substring(hash + 1))) {
                    broken.add(doc.getFileName() + ": " + target + " (no such heading; it has " + anchors(linked) + ")");
                }
            }
        }
        assertThat(checked).as("links checked").isGreaterThan(20);
        assertThat(broken).as("broken links").isEmpty();
    }

    /** Each expression of the alert table is one of the ready-made rules, which promtool evaluates on several instances. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void prometheusAlertsEvaluateOverSeveralInstances(@TempDir Path dir) throws Exception {
        String operations = Files.readString(ROOT.resolve("docs/operations.md"));
        String rules = Files.readString(ROOT.resolve("docs/prometheus-alerts.yml"));
        String alertTable = operations.substring(operations.indexOf("| condition | how to see it |"),
                operations.indexOf("Ready-made rules"));
        List<String> expressions = new ArrayList<>();
        Matcher code = Pattern.compile("`([^`]*stickyfail_[^`]*)`").matcher(alertTable.replace("\\|", "|"));
        while (code.find()) {
            expressions.add(code.group(1));
        }
        String ruleText = rules.replaceAll("\\s+", " ");
        assertThat(expressions).hasSizeGreaterThan(5);
        for (String e : expressions) {
            if (e.contains("not-applicable")) {
                continue; // shown in the table only: expected to grow with Galera
            }
            assertThat(ruleText).as("docs/operations.md expression in docs/prometheus-alerts.yml").contains(e);
        }

        Path promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool != null,
                "promtool not found: install Debian's prometheus package (apt-get install prometheus) to evaluate the alerts");
        Files.writeString(dir.resolve("prometheus-alerts.yml"), rules);
        Files.copy(Path.of("src/test/resources/prometheus/alerts-test.yml"), dir.resolve("alerts-test.yml"));
        assertThat(run(dir, promtool.toString(), "check", "rules", "prometheus-alerts.yml")).contains("SUCCESS");
        assertThat(run(dir, promtool.toString(), "test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

    /** Link targets outside fenced code blocks and code spans that are neither absolute URLs nor mail addresses. */
    static List<String> relativeLinks(String markdown) {
        List<String> targets = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                String t = m.group(1);
                if (!t.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
                    targets.add(t);
                }
            }
        }
        return targets;
    }

    /** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to hyphens, -1 for repeats. */
    static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
            }
            if (fenced || !line.matches("#{1,6} .*")) {
                continue;
            }
            String slug = line.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return anchors;
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + " exit code; output:\n" + out).isZero();
        return out;
    }
}
