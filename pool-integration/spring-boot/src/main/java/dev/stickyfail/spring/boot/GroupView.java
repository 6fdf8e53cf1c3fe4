package dev.stickyfail.spring.boot;

import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerInfo;

import java.util.LinkedHashMap;
import java.util.Map;

/** A group as the health indicator and the endpoint show it: plain maps, so any JSON mapper renders them. */
final class GroupView {

    private GroupView() {
    }

    static Map<String, Object> of(GroupAdmin admin) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("group", admin.name());
        view.put("activeServer", admin.activeServer().orElse(null));
        view.put("epoch", admin.epoch());
        admin.decision().ifPresent(d -> {
            Map<String, Object> decision = new LinkedHashMap<>();
            decision.put("server", d.server());
            decision.put("epoch", d.epoch());
            decision.put("decidedBy", d.decidedBy());
            decision.put("decidedAt", d.decidedAt() == null ? null : d.decidedAt().toString());
            decision.put("reason", d.reason());
            decision.put("persisted", d.persisted());
            view.put("decision", decision);
        });
        Map<String, Object> servers = new LinkedHashMap<>();
        for (ServerInfo s : admin.servers()) {
            Map<String, Object> server = new LinkedHashMap<>();
            server.put("priority", s.getPriority());
            server.put("state", s.getState());
            server.put("adminState", s.getAdminState());
            server.put("active", s.isActive());
            server.put("lastCheck", s.getLastProbeResult());
            server.put("lastCheckDetail", s.getLastProbeDetail());
            server.put("lastCheckLatencyMs", s.getLastProbeLatencyMillis());
            server.put("lastCheckAgeMs", s.getLastProbeAgeMillis());
            server.put("connections", s.getConnections());
            servers.put(s.getServer(), server);
        }
        view.put("servers", servers);
        return view;
    }
}
