package dev.stickyfail.spring.boot;

import dev.stickyfail.StickyFail;
import dev.stickyfail.admin.GroupAdmin;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /actuator/stickyfail}: the groups, their decisions, leases, servers and errant transactions ({@code GET}), one group
 * ({@code GET /actuator/stickyfail/{group}}), and HAProxy's runtime commands ({@code POST
 * /actuator/stickyfail/{switchTo|maintenance|drain|ready}} with {@code {"server": "host:port"}}, plus {@code "group"}
 * when the application has several). The write operations change where every request of the application goes: they
 * are for administrators, off by default ({@link Access#READ_ONLY}), and enabled with
 * {@code management.endpoint.stickyfail.access=unrestricted}, behind the same security as other write endpoints.
 */
@Endpoint(id = "stickyfail", defaultAccess = Access.READ_ONLY)
public class StickyFailEndpoint {

    @ReadOperation
    public Map<String, Object> groups() {
        Map<String, Object> byName = new LinkedHashMap<>();
        StickyFail.groups().forEach(g -> byName.put(g.name(), GroupView.withErrant(g)));
        return Map.of("groups", byName);
    }

    /** One group; {@code 404} when there is none of that name. */
    @ReadOperation
    public @Nullable Map<String, Object> group(@Selector String group) {
        return StickyFail.group(group).map(GroupView::withErrant).orElse(null);
    }

    /**
     * {@code switchTo} (make the server active now), {@code maintenance} (take it out; switch away if it is active),
     * {@code drain} (never chosen again; stays active until marked down), {@code ready} (back to normal).
     *
     * @return the group after the operation
     */
    @WriteOperation
    public Map<String, Object> operate(@Selector String action, String server, @Nullable String group) {
        GroupAdmin admin = resolve(group);
        try {
            switch (action) {
                case "switchTo" -> admin.switchTo(server);
                case "maintenance" -> admin.setMaintenance(server, true);
                case "drain" -> admin.drain(server);
                case "ready" -> admin.ready(server);
                default -> throw new InvalidEndpointRequestException("unknown operation " + action
                        + "; expected switchTo, maintenance, drain or ready", "unknown operation");
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidEndpointRequestException(action + "(" + server + ") refused: " + e.getMessage(), e.getMessage());
        }
        return GroupView.withErrant(admin);
    }

    private static GroupAdmin resolve(@Nullable String group) {
        if (group != null) {
            return StickyFail.group(group).orElseThrow(() -> new InvalidEndpointRequestException(
                    "no stickyfail group named " + group + "; running: " + names(), "no such group"));
        }
        List<GroupAdmin> all = StickyFail.groups();
        if (all.size() != 1) {
            throw new InvalidEndpointRequestException((all.isEmpty() ? "no stickyfail group is running"
                    : "several stickyfail groups are running (" + names() + "): name one with \"group\""), "group needed");
        }
        return all.get(0);
    }

    private static String names() {
        return String.join(", ", StickyFail.groups().stream().map(GroupAdmin::name).toList());
    }
}
