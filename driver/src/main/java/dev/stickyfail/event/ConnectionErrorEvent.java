package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.probe.FailureKind;

/**
 * An application connection, or an attempt to open one, failed.
 *
 * @param kind      how the failure was classified; {@link FailureKind#SERVER} never leads to a failover on its own
 * @param connect   whether it happened while opening a connection (else on an open one)
 * @param counted   whether it was counted as a failed probe (passive detection: at most one between two probes, and
 *                  never for a server already down)
 */
public record ConnectionErrorEvent(String group, ServerAddress server, FailureKind kind, String sqlState,
                                   String message, boolean connect, boolean counted) {
}
