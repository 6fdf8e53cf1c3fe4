package dev.stickyfail.event;

import dev.stickyfail.admin.ErrantReport;

/**
 * A server the group had switched away from is reachable again, and it has transactions that the server which
 * replaced it had not received at the switch: commits it never shipped, or statements a frozen server ran when it
 * woke. Replication will apply them on the new primary (or stop on them): an operator should look first.
 */
public record ErrantTransactionsEvent(String group, ErrantReport report) {
}
