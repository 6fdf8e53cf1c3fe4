package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;

import java.time.Duration;

/** Connections to {@code server} were aborted, idle and in use alike. */
public record EvictionEvent(String group, ServerAddress server, String reason, int connections, Duration duration) {
}
