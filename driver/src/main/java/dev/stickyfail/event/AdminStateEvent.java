package dev.stickyfail.event;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.config.ServerAddress;

/** An operator changed a server's admin state. */
public record AdminStateEvent(String group, ServerAddress server, AdminState from, AdminState to) {
}
