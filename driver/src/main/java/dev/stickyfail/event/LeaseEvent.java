package dev.stickyfail.event;

/**
 * With a shared store: this instance stopped trusting the decision ({@code held=false}: it could not confirm it with
 * the store within {@code stickyfail.lease}; it fenced every connection and holds new requests), or trusts it again
 * ({@code held=true}).
 *
 * @param store  the store, as described in logs
 * @param detail why (the store's last error, how long it has been unreachable), or that it was confirmed again
 */
public record LeaseEvent(String group, boolean held, String store, String detail) {
}
