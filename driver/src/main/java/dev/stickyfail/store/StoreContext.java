package dev.stickyfail.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What a store is given about the group it serves.
 *
 * @param group      the group's name; a shared store keeps one decision per group name
 * @param servers    the group's servers, {@code host:port}, in priority order; a decision naming another is refused
 * @param instanceId this application instance's id (stable for the life of the group in this JVM), for
 *                   {@link Decision#decidedBy()} and acknowledgements
 * @param lease      {@code stickyfail.lease}: how long a confirmed decision is trusted
 * @param properties every {@code stickyfail.<store>.*} property of the URL or DataSource, by full key, e.g.
 *                   {@code stickyfail.hazelcast.config}
 * @param nanoClock  the monotonic clock a store measures durations with ({@code System::nanoTime}; a simulation
 *                   passes its own): a store never reads another clock for liveness or expiry
 */
public record StoreContext(String group, List<String> servers, String instanceId, Duration lease,
                           Map<String, String> properties, LongSupplier nanoClock) {

    public StoreContext {
        servers = List.copyOf(servers);
        properties = Map.copyOf(properties);
        Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** With the system's monotonic clock. */
    public StoreContext(String group, List<String> servers, String instanceId, Duration lease,
                        Map<String, String> properties) {
        this(group, servers, instanceId, lease, properties, System::nanoTime);
    }
}
