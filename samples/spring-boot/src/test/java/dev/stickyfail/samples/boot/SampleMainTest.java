package dev.stickyfail.samples.boot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The documented sample run, end to end: its own servers, the service on a free port, the primary killed. */
class SampleMainTest {

    @Test
    void theSampleSwitchesAndShowsItInHealthAndTheEndpoint() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        int code = new SampleMain(out).run(new String[] {"--server.port=0"}, false);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("=== Before: GET /actuator/health/stickyfail", "\"status\" : \"UP\"",
                "=== After: GET /actuator/stickyfail", "\"orders\"", "OK: the service switched to db1");
        assertThat(text).as("the password never shows").doesNotContain("app_Pw-5b2d8a");
    }
}
