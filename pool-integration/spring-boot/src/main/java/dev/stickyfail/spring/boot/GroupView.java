package dev.stickyfail.spring.boot;

import dev.stickyfail.admin.AccountCheck;
import dev.stickyfail.admin.CoordinationInfo;
import dev.stickyfail.admin.ErrantReport;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.MissingCommitsReport;
import dev.stickyfail.admin.ServerInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A group as the health indicator and the endpoint show it: plain maps, so any JSON mapper renders them. */
final class GroupView {

    private GroupView() {
    }

    /** The health details: decision, lease, servers. */
    static Map<String, Object> of(GroupAdmin admin) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("group", admin.name());
        view.put("activeServer", admin.activeServer().orElse(null));
        view.put("epoch", admin.epoch());
        view.put("routeUsable", admin.routeUsable());
        CoordinationInfo c = admin.coordination();
        if (!c.notRoutingWhy().isEmpty()) {
            view.put("notRoutingWhy", c.notRoutingWhy());
        }
        Map<String, Object> coordination = new LinkedHashMap<>();
        coordination.put("store", c.store());
        coordination.put("shared", c.shared());
        coordination.put("leaseHeld", c.leaseHeld());
        if (c.shared()) {
            coordination.put("leaseRemainingMs", c.leaseRemainingMillis());
            coordination.put("sinceConfirmedMs", c.sinceConfirmedMillis());
        }
        if (!c.lastStoreError().isEmpty()) {
            coordination.put("lastStoreError", c.lastStoreError());
        }
        view.put("coordination", coordination);
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
        List<Map<String, Object>> unavailable = new ArrayList<>();
        for (AccountCheck check : admin.accountChecks()) {
            if (!check.available()) {
                Map<String, Object> feature = new LinkedHashMap<>();
                feature.put("feature", check.feature());
                feature.put("property", check.property());
                feature.put("account", check.account());
                feature.put("server", check.server());
                feature.put("detail", check.detail());
                feature.put("grant", check.grant());
                unavailable.add(feature);
            }
        }
        if (!unavailable.isEmpty()) {
            view.put("unavailableFeatures", unavailable);
        }
        return view;
    }

    /**
     * The endpoint's view: the health details, the errant transactions found on servers switched away from, and the
     * switches that made a server active without commits the application had been told succeeded.
     */
    static Map<String, Object> withErrant(GroupAdmin admin) {
        Map<String, Object> view = of(admin);
        List<Map<String, Object>> errant = new ArrayList<>();
        for (ErrantReport r : admin.errantTransactions()) {
            errant.add(report(r.oldServer(), r.newServer(), r.epoch(), r.count(), r.exact(), r.ranges(), r.at(),
                    r.message()));
        }
        view.put("errantTransactions", errant);
        List<Map<String, Object>> missing = new ArrayList<>();
        for (MissingCommitsReport r : admin.missingCommits()) {
            missing.add(report(r.oldServer(), r.newServer(), r.epoch(), r.count(), r.exact(), r.ranges(), r.at(),
                    r.message()));
        }
        view.put("missingCommits", missing);
        return view;
    }

    private static Map<String, Object> report(String oldServer, String newServer, long epoch, long count, boolean exact,
                                              String ranges, java.time.Instant at, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("oldServer", oldServer);
        e.put("newServer", newServer);
        e.put("epoch", epoch);
        e.put("count", count);
        e.put("exact", exact);
        e.put("ranges", ranges);
        e.put("at", at == null ? null : at.toString());
        e.put("message", message);
        return e;
    }
}
