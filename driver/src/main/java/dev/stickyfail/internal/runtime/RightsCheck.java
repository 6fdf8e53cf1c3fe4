package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.AccountCheck;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.internal.replication.AccountRights;
import dev.stickyfail.internal.replication.ServerFlavour;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Checks once, on the first server of the group that comes up, that every feature the configuration turns on can work
 * with the account it uses (the probe account {@code stickyfail.checkUser} for the {@code replica} probe, the catch-up
 * and the errant-transaction report; the fence account {@code stickyfail.fenceUser} for the read-only fence), and
 * names each one that cannot in one WARN, with the {@code GRANT} that enables it. The results stay readable through
 * the admin API, JMX and Actuator's health details. The fence at the server needs no right and is not checked.
 *
 * <p>Runs on the group's background thread; one login per account.
 */
final class RightsCheck {

    private static final Logger LOG = LoggerFactory.getLogger(RightsCheck.class);

    private final GroupRuntime group;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile List<AccountCheck> results = List.of();

    RightsCheck(GroupRuntime group) {
        this.group = group;
    }

    /** What was found, in the order of the features; empty until checked. */
    List<AccountCheck> results() {
        return results;
    }

    /** Whether a check ran to its end on some server (or there is nothing to check). */
    boolean checked() {
        return done.get();
    }

    /**
     * Checks on {@code server} unless a check already ran there or elsewhere. A server where no account could log in
     * (down, unreachable) does not count: the next server that comes up is tried. Called on one thread only.
     */
    void checkOnce(int server) {
        StickyFailConfig config = group.config();
        boolean replica = "replica".equals(config.check());
        boolean probeAccount = replica || config.switchCatchUp() || config.reportAbandonedReturn();
        if (done.get()) {
            return;
        }
        if (!probeAccount && !config.fenceReadOnly()) {
            done.set(true);
            return;
        }
        String where = group.server(server).toString();
        Duration timeout = config.connectTimeout().plus(config.checkTimeout());
        List<AccountCheck> found = new ArrayList<>();
        Map<String, Object> byAccount = new LinkedHashMap<>(); // user -> AccountRights or the error
        if (probeAccount) {
            Object probe = read(server, config.probeUser(), config.probePassword(), timeout, byAccount);
            if (replica) {
                found.add(status(probe, config.probeUser(), where, "replica lag probe", "stickyfail.check=replica",
                        "its query is refused, so every check of the server ends with a server error"));
            }
            if (config.switchCatchUp()) {
                found.add(status(probe, config.probeUser(), where, "full catch-up", "stickyfail.switchCatchUp",
                        "a switch waits only for the commits this application was told succeeded, not for everything "
                                + "the new server had received from the old one"));
                found.add(tracking(probe, config, where));
            }
            if (config.reportAbandonedReturn()) {
                found.add(status(probe, config.probeUser(), where, "errant-transaction report",
                        "stickyfail.onAbandonedReturn=report", "the report counts from what the new server had "
                                + "applied at the switch, so transactions it had received but not yet applied may be "
                                + "reported as errant"));
            }
        }
        if (config.fenceReadOnly()) {
            Object fence = read(server, config.fenceUser(), config.fencePassword(), timeout, byAccount);
            found.add(readOnly(fence, config.fenceUser(), where));
        }
        if (byAccount.values().stream().noneMatch(r -> r instanceof AccountRights)) {
            LOG.debug("stickyfail[{}] could not check the accounts' rights on {}: {}", group.name(), where, byAccount.values());
            return; // nobody could log in there: try the next server that comes up
        }
        done.set(true);
        results = List.copyOf(found);
        List<AccountCheck> missing = found.stream().filter(c -> !c.available()).toList();
        if (missing.isEmpty()) {
            LOG.info("stickyfail[{}] checked the accounts' rights on {}: every feature turned on can work ({})",
                    group.name(), where, found.stream().map(c -> c.feature()).collect(Collectors.joining(", ")));
        } else {
            LOG.warn("stickyfail[{}] {} feature(s) cannot work as configured with the accounts given (checked on {}): {}",
                    group.name(), missing.size(), where, missing.stream().map(AccountCheck::describe)
                            .collect(Collectors.joining(" | ")));
        }
    }

    /** The account's rights, read once per user; the failure to read them (a message) otherwise. */
    private Object read(int server, String user, String password, Duration timeout, Map<String, Object> byAccount) {
        String key = Objects.toString(user);
        Object known = byAccount.get(key);
        if (known != null) {
            return known;
        }
        Object result;
        try (Connection c = group.openAccountSession(server, user, password, timeout)) {
            result = AccountRights.read(c, timeout);
        } catch (SQLException | RuntimeException e) {
            result = "could not check: " + (e.getMessage() == null ? e.toString() : e.getMessage());
        }
        byAccount.put(key, result);
        return result;
    }

    private static AccountCheck status(Object rights, String user, String where, String feature, String property,
                                       String without) {
        if (!(rights instanceof AccountRights r)) {
            return new AccountCheck(feature, property, Objects.toString(user), where, false, (String) rights, "");
        }
        if (r.readsReplicationStatus()) {
            return new AccountCheck(feature, property, r.account(), where, true, "reads the replication status", "");
        }
        return new AccountCheck(feature, property, r.account(), where, false, "cannot read the replication status ("
                + r.statusDenied() + "): " + without, r.grant(r.replicationStatusPrivilege()));
    }

    private static AccountCheck tracking(Object rights, StickyFailConfig config, String where) {
        String feature = "catch-up of acknowledged commits";
        String property = "stickyfail.switchCatchUp";
        String account = rights instanceof AccountRights r ? r.account() : Objects.toString(config.probeUser());
        String trackSessionState = config.connectorProperties().get("trackSessionState");
        if (trackSessionState != null && !Boolean.parseBoolean(trackSessionState.trim())) {
            return new AccountCheck(feature, property, account, where, false, "trackSessionState=" + trackSessionState
                    + " turns off Connector/J's session state tracking, so no commit's GTID is known and a switch "
                    + "waits for none; remove it", "");
        }
        if (!(rights instanceof AccountRights r)) {
            return new AccountCheck(feature, property, account, where, false, (String) rights, "");
        }
        if (!r.gtidModeOn()) {
            return new AccountCheck(feature, property, account, where, false, "gtid_mode is not ON on " + where
                    + ": commits have no GTID to wait for (set gtid_mode=ON and enforce_gtid_consistency=ON)", "");
        }
        if (!r.tracksGtids()) {
            return new AccountCheck(feature, property, account, where, false, "the server does not report the GTID "
                    + "of a session's commits (" + r.gtidTrackingRefused() + "; needs MariaDB 10.3 or MySQL 5.7)", "");
        }
        return new AccountCheck(feature, property, account, where, true, "the server reports each commit's GTID "
                + "(needs no privilege)", "");
    }

    private static AccountCheck readOnly(Object rights, String user, String where) {
        String feature = "read-only fence";
        String property = "stickyfail.fenceReadOnly";
        if (!(rights instanceof AccountRights r)) {
            return new AccountCheck(feature, property, Objects.toString(user), where, false, (String) rights, "");
        }
        if (r.setsReadOnly()) {
            return new AccountCheck(feature, property, r.account(), where, true, "may set read_only", "");
        }
        String needs = r.readOnlyPrivilege() + (r.flavour() == ServerFlavour.MYSQL
                ? " or SUPER" : "");
        return new AccountCheck(feature, property, r.account(), where, false, "SHOW GRANTS lists neither " + needs
                + " nor ALL PRIVILEGES on *.*, so a switch cannot make the server it leaves read-only (the fence at the "
                + "server still kills the application's sessions there)", r.grant(r.readOnlyPrivilege()));
    }
}
