package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.probe.ProbeResult;

import java.time.Duration;

/** One finished probe. */
public record ProbeEvent(String group, ServerAddress server, ProbeResult result, Duration latency) {
}
