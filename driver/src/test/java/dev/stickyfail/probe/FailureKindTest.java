package dev.stickyfail.probe;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.net.ConnectException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class FailureKindTest {

    @Test
    void aGaleraNodeRefusingStatementsWhileNotReadyAnsweredAlthoughConnectorJSays08S01() {
        // what Connector/J throws for MariaDB's error 1047 during a Galera view change
        SQLException notReady = new SQLException("WSREP has not yet prepared node for application use", "08S01", 1047);
        assertThat(FailureKind.of(notReady)).isEqualTo(FailureKind.SERVER);
        assertThat(FailureKind.of(new SQLException("Got a packet bigger than 'max_allowed_packet' bytes", "08S01", 1153)))
                .isEqualTo(FailureKind.SERVER);
    }

    @Test
    void brokenAndRefusedConnectionsStayWhatTheyWere() {
        assertThat(FailureKind.of(new SQLException("Communications link failure", "08S01", 0, new EOFException())))
                .isEqualTo(FailureKind.COMMUNICATION);
        assertThat(FailureKind.of(new SQLException("Communications link failure", "08S01", 0,
                new ConnectException("Connection refused")))).isEqualTo(FailureKind.REFUSED);
        assertThat(FailureKind.of(new SQLException("Too many connections", "08004", 1040))).isEqualTo(FailureKind.SERVER);
    }
}
