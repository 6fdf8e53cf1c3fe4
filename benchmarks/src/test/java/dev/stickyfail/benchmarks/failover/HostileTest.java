package dev.stickyfail.benchmarks.failover;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The false-switch suite, short (CI's version of the ten-run suite in docs/benchmarks.md): one run of each
 * disturbance of a healthy primary under 400 writes/s through HikariCP, the application in a JVM of its own. Asserted:
 * no switch in any run, and that each disturbance was felt where it can be seen (the stall and the slow probe made a
 * probe late; the full server refused logins).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HostileTest {

    private static final Pattern RUN = Pattern.compile(
            "^\\[\\d+/\\d+] (\\S+)\\s+switches (\\d+)\\s+marked down (\\d+)\\s+failed probes (\\d+)\\s+slowest probe\\s+(\\d+) ms.*$",
            Pattern.MULTILINE);

    @Test
    void aHealthyPrimaryIsNeverLeftWhenThingsOnlyLookLikeAFailure() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        int exit = HostileBenchmark.run(new String[] {"--repeat=1", "--before=2s", "--after=3s"}, out);

        String printed = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(printed); // the surefire report keeps the run's table
        Map<String, long[]> runs = new LinkedHashMap<>();
        Matcher m = RUN.matcher(printed);
        while (m.find()) {
            runs.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5))});
        }
        assertThat(runs).as(printed).containsOnlyKeys("pause", "cpu", "stall", "slow-probe", "max-connections");
        assertThat(exit).as(printed).isZero();
        runs.forEach((c, r) -> assertThat(r[0]).as("switches in %s", c).isZero());
        runs.forEach((c, r) -> assertThat(r[1]).as("servers marked down in %s", c).isZero());
        assertThat(runs.get("stall")[3]).as("slowest probe during the 300 ms stall (ms)").isGreaterThanOrEqualTo(100);
        assertThat(runs.get("slow-probe")[2]).as("probes that failed: the slow one").isGreaterThanOrEqualTo(1);
        assertThat(printed).containsPattern("max-connections\\s+1\\s+0\\s+0\\s+0\\s+\\S+\\s+\\S+ ms\\s+[1-9]");
    }
}
