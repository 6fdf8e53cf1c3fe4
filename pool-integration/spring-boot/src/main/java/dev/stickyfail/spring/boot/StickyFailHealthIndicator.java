package dev.stickyfail.spring.boot;

import dev.stickyfail.StickyFail;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerState;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code stickyfail} in {@code /actuator/health}: {@code UP} while every group routes to its active server;
 * {@code OUT_OF_SERVICE} while a group fails closed here although its server is up (with a shared store: its lease is
 * not held, the decision cannot be confirmed; or the decided server is in maintenance or switching); {@code DOWN} when a
 * group has no usable server (no active server, or the active one is down); {@code UNKNOWN} before the first group
 * starts (with the DataSource's first connection). For Kubernetes, put it in the readiness group, not in liveness.
 * Details: the group, its active server, epoch, whether its route is usable here, its lease and store, its decision,
 * per server its state, admin state, last check (result, latency, age) and connections, and the features turned on
 * that cannot work with their account ({@code unavailableFeatures}, each with the {@code GRANT} that enables it); with
 * several groups, one such map per group name. Reads the groups' admin snapshots only: it never opens a connection.
 */
public class StickyFailHealthIndicator extends AbstractHealthIndicator {

    public StickyFailHealthIndicator() {
        super("stickyfail health check failed");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        List<GroupAdmin> groups = StickyFail.groups();
        if (groups.isEmpty()) {
            builder.unknown().withDetail("reason", "no stickyfail group is running yet: it starts with the DataSource's first connection");
            return;
        }
        if (!groups.stream().allMatch(StickyFailHealthIndicator::serving)) {
            builder.down();
        } else if (!groups.stream().allMatch(GroupAdmin::routeUsable)) {
            builder.outOfService();
        } else {
            builder.up();
        }
        if (groups.size() == 1) {
            builder.withDetails(GroupView.of(groups.get(0)));
        } else {
            Map<String, Object> byName = new LinkedHashMap<>();
            groups.forEach(g -> byName.put(g.name(), GroupView.of(g)));
            builder.withDetails(byName);
        }
    }

    /**
     * Whether the group has an active server that counts as up. The decision stays on the last active server while
     * every server is down (it is sticky), so its presence alone says nothing.
     */
    static boolean serving(GroupAdmin group) {
        Optional<String> active = group.activeServer();
        return active.isPresent() && group.servers().stream()
                .anyMatch(s -> s.getServer().equals(active.get()) && ServerState.valueOf(s.getState()).isUp());
    }
}
