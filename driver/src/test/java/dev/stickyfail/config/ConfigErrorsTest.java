package dev.stickyfail.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigErrorsTest {

    @Test
    void passwordsAreMaskedInTheUserInfoAndInParametersAlsoWhenTheKeyIsUrlEncoded() {
        String redacted = ConfigErrors.redactUrl("jdbc:stickyfail:mysql://app:hunter2@db0,db1/app?pass%77ord=s3cret"
                + "&stickyfail.checkPassword=probe-secret&user=app&PASSWORD=x9");
        assertThat(redacted).doesNotContain("hunter2", "s3cret", "probe-secret", "x9").contains("user=app");
    }
}
