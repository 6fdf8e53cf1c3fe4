package dev.stickyfail.internal.runtime;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failed session attempts say the old server is gone (a catch-up may stop waiting) and which do not. */
class ReplicationGuardTest {

    private static SQLException communications(Throwable cause) {
        return new SQLNonTransientConnectionException("Communications link failure", "08S01", cause);
    }

    @Test
    void aRefusalOrACloseBeforeTheGreetingIsGone() {
        assertThat(ReplicationGuard.closedAtOnce(communications(new ConnectException("Connection refused")))).isTrue();
        assertThat(ReplicationGuard.closedAtOnce(communications(new SocketException("Connection reset")))).isTrue();
        assertThat(ReplicationGuard.closedAtOnce(communications(new EOFException("Can not read response from server"))))
                .as("a proxy that finds nothing behind it closes at once").isTrue();
    }

    @Test
    void silenceOrAMissingRouteIsNotGone() {
        assertThat(ReplicationGuard.closedAtOnce(communications(new SocketTimeoutException("Read timed out"))))
                .as("a hung server may still ship what it committed").isFalse();
        assertThat(ReplicationGuard.closedAtOnce(communications(new SocketTimeoutException("connect timed out"))))
                .isFalse();
        assertThat(ReplicationGuard.closedAtOnce(communications(new NoRouteToHostException("No route to host"))))
                .isFalse();
        assertThat(ReplicationGuard.closedAtOnce(new SQLException("Access denied", "28000", 1045)))
                .as("the server answered").isFalse();
    }
}
