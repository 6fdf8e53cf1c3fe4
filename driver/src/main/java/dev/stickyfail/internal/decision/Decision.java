package dev.stickyfail.internal.decision;

import java.time.Instant;
import java.util.Objects;

/**
 * The group's decision: which server is active, at which epoch. The epoch grows by one at every switch, so two
 * decisions compare by it alone. {@code server} is the {@code host:port} name.
 */
public record Decision(String server, long epoch, Instant time, String reason) {

    public Decision {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(time, "time");
        reason = reason == null ? "" : reason;
    }

    /** The decision that follows this one (or the first one, when {@code previous} is {@code null}). */
    public static Decision next(Decision previous, String server, String reason) {
        return new Decision(server, previous == null ? 1 : previous.epoch + 1, Instant.now(), reason);
    }
}
