package dev.stickyfail.event;

import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.ServerAddress;

/** A server's health changed; {@code cause} is the probe result or passive error that made it change. */
public record ServerStateEvent(String group, ServerAddress server, ServerState from, ServerState to, String cause) {
}
