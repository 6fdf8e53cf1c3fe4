package dev.stickyfail.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Which Connector/J versions the driver accepts, and the one line for one it does not. */
class ConnectorJTest {

    @Test
    void theTestedVersionsAndLaterOnesAreAccepted() {
        assertThat(ConnectorJ.problem("9.7.0")).isNull();
        assertThat(ConnectorJ.problem("9.0.0")).isNull();
        assertThat(ConnectorJ.problem("26.10.0")).isNull();
        assertThat(ConnectorJ.problem("27.1.0-SNAPSHOT")).isNull();
    }

    @Test
    void anOlderVersionIsRefusedInOneLineNamingItTheVersionsNeededAndTheBootProperty() {
        String p = ConnectorJ.problem("8.4.0");

        assertThat(p).contains("8.4.0", "9.0 or later", "9.7.0", "26.10.0", "mysql.version").doesNotContain("\n");
    }

    @Test
    void noConnectorJAtAllIsNamed() {
        assertThat(ConnectorJ.problem(null)).contains("no", "com.mysql:mysql-connector-j").doesNotContain("\n");
    }

    @Test
    void theVersionOnThisClassPathIsFoundAtRunTimeAndAccepted() {
        assertThat(ConnectorJ.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThatCode(ConnectorJ::check).doesNotThrowAnyException();
    }
}
