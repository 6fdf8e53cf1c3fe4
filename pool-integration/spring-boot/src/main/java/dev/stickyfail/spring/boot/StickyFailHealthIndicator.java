package dev.stickyfail.spring.boot;

import dev.stickyfail.StickyFail;
import dev.stickyfail.admin.GroupAdmin;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code stickyfail} in {@code /actuator/health}: {@code UP} while every group has an active server, {@code DOWN}
 * when one has none (no server usable), {@code UNKNOWN} before the first group starts (with the DataSource's first
 * connection). Details: the group, its active server, epoch and decision, and per server its state, admin state,
 * last check (result, latency, age) and connections; with several groups, one such map per group name. Reads the
 * groups' admin snapshots only: it never opens a connection.
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
        boolean serving = groups.stream().allMatch(g -> g.activeServer().isPresent());
        if (serving) {
            builder.up();
        } else {
            builder.down();
        }
        if (groups.size() == 1) {
            builder.withDetails(GroupView.of(groups.get(0)));
        } else {
            Map<String, Object> byName = new LinkedHashMap<>();
            groups.forEach(g -> byName.put(g.name(), GroupView.of(g)));
            builder.withDetails(byName);
        }
    }
}
