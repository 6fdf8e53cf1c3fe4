package dev.stickyfail.config;

import java.util.Locale;

/**
 * Every property stickyfail owns. Anything not listed here and not starting with {@code stickyfail.} belongs to
 * Connector/J and is passed through untouched. The configuration reference, docs/configuration.md, is this table, in
 * words ({@code ReadmeTest} keeps them together).
 */
public enum StickyFailProperty {
    CHECK_INTERVAL("checkInterval", "500ms", "inter",
            "Probe interval while a server is up and its probes pass."),
    CHECK_FAST_INTERVAL("checkFastInterval", "100ms", "fastinter",
            "Probe interval while a server changes state (after a first failure or a first success) and before its first result; "
                    + "also the spacing of the probes that start behind one still unanswered after this long."),
    CHECK_DOWN_INTERVAL("checkDownInterval", "1s", "downinter",
            "Probe interval while a server is down."),
    CHECK_TIMEOUT("checkTimeout", "300ms", "timeout check",
            "Hard limit for one probe; a probe that takes longer fails, and counts only if the server answered nothing since it started."),
    RISE("rise", "2", "rise",
            "Consecutive successful probes that mark a down server up."),
    FALL("fall", "3", "fall",
            "Consecutive failed probes that mark an up server down. A refused connection marks it down at once."),
    CHECK("check", "mysql", "option mysql-check / check / option external-check",
            "The probe: mysql (a real session and a ping), tcp (a TCP connect), sql (stickyfail.checkSql must return true), "
                    + "galera (wsrep_local_state = 4, wsrep_ready = ON, wsrep_cluster_status = Primary), replica (replication threads running, lag within "
                    + "stickyfail.maxReplicationLag), or the name of a probe registered through the dev.stickyfail.probe.ProbeFactory SPI."),
    CHECK_SQL("checkSql", null, "external-check command",
            "The query of the sql probe; its first column of its first row must be true (1, ON, YES, TRUE)."),
    MAX_REPLICATION_LAG("maxReplicationLag", "10s", "(agent-check / external-check script)",
            "Largest replication lag the replica probe accepts."),
    CHECK_USER("checkUser", null, "option mysql-check user",
            "User for the mysql, sql, galera and replica probes, the catch-up and the errant-transaction report; default: "
                    + "the connection's user."),
    CHECK_PASSWORD("checkPassword", null, "(none: mysql-check sends no password)",
            "Password of stickyfail.checkUser; default: the connection's password when checkUser is not set, none when it is."),
    FAILBACK("failback", "never", "on-marked-up shutdown-backup-sessions",
            "never: stay on the active server until it is marked down (sticky). primary-up: return to the highest-priority "
                    + "server once it is up again, aborting every connection to the server being left."),
    ON_MARKED_DOWN("onMarkedDown", "shutdown-sessions", "on-marked-down shutdown-sessions",
            "shutdown-sessions: abort every connection to a server when it is marked down. keep: leave them unless a switch follows."),
    OBSERVE("observe", "true", "observe layer4 + on-error mark-down",
            "Passive detection: communication errors on application connections count as a failed probe and trigger an immediate probe."),
    CONNECT_TIMEOUT("connectTimeout", "2s", "timeout connect",
            "Limit for opening one physical connection (TCP connect, handshake and login) to the active server. An attempt "
                    + "that runs out counts as a passive failure, and getConnection keeps waiting for a usable server within stickyfail.failoverTimeout."),
    FAILOVER_TIMEOUT("failoverTimeout", "10s", "timeout queue",
            "How long getConnection waits for a usable active server (during a failover, or while no server is up) before it fails with 08001."),
    STATE_FILE("stateFile", null, "peers (with the local peer)",
            "A file that keeps the decision (server, epoch, time, reason) across restarts of the application; written atomically at every switch."),
    STATE_FILE_UNUSABLE("stateFileUnusable", "refuse", "(none: a reload without the local peer silently starts over)",
            "What a start does with a state file that exists but cannot be trusted (unreadable, corrupt, another group's, naming "
                    + "a server not in the URL, or left stale by a failed write): refuse (choose no server until an operator "
                    + "calls switchTo or deletes the file) or fresh-start (start from the first server up)."),
    GROUP("group", null, "backend name / stick-table",
            "Name of the decision; default: the host list, e.g. db0:3306,db1:3306. "
                    + "DataSources that name the same group share one runtime and one decision."),
    STORE("store", "local", "peers (with remote peers)",
            "Where the decision lives: local (this JVM, plus stickyfail.stateFile if set) or hazelcast (shared by every instance)."),
    JMX("jmx", "true", "stats socket (runtime API)",
            "Register the group's MXBean dev.stickyfail:type=Group,name=\"<group>\" (the name quoted, as JMX quotes it)."),
    SWITCH_CATCH_UP("switchCatchUp", "true", "(none: a proxy cannot see replication)",
            "Before a switch hands out connections to the new server, wait until it has every commit this application was "
                    + "told succeeded (their GTIDs come with the commits' replies: sets trackSessionState=true unless given) "
                    + "and has applied every transaction it had received from the old one (GTIDs: MariaDB MASTER_GTID_WAIT, "
                    + "MySQL WAIT_FOR_EXECUTED_GTID_SET); acknowledged commits still missing then are reported. Skipped by "
                    + "itself where the new server has no GTIDs, or does not replicate from the old one and lacks none of them."),
    SWITCH_CATCH_UP_TIMEOUT("switchCatchUpTimeout", "5s", "(none)",
            "Longest a switch waits for that catch-up; then it switches anyway and says so (WARN, event)."),
    ON_ABANDONED_RETURN("onAbandonedReturn", "report", "(none)",
            "When a server the group switched away from is reachable again: report (compute the transactions it has that "
                    + "the new server had not received at the switch, and report them: WARN, event, JMX, admin API) or ignore."),
    DRAIN_TIMEOUT("drainTimeout", "2s", "set server state drain (HAProxy lets sessions end, with no bound)",
            "A planned switch (an operator's switchTo, stickyfail.failback=primary-up, or either made by another instance) "
                    + "first holds new requests and lets transactions in flight on the server it leaves finish, for at most "
                    + "this long; idle connections are replaced on the new server at their next use; only what still runs "
                    + "at the bound is aborted. 0 turns it off."),
    SERVER_FENCE("serverFence", "true", "(none: on-marked-down shutdown-sessions cuts only the proxy's own connections)",
            "On a switch away from a server that still answers (a fresh session within stickyfail.checkTimeout), kill "
                    + "there every session of the application's accounts (each user the group opened connections with) "
                    + "but the fencing session, and wait until they are gone, before anything is handed out on the new "
                    + "server; again when that server is seen up later. Needs no privilege (an account may kill its own "
                    + "sessions). It also ends sessions of other programs that log in with the same account."),
    SERVER_FENCE_TIMEOUT("serverFenceTimeout", "2s", "(none)",
            "How long the fence at the server waits for the killed sessions to be gone; what is left then is reported "
                    + "(WARN, event) and the switch goes on."),
    FENCE_READ_ONLY("fenceReadOnly", "false", "(none: MHA and Orchestrator do it with a script)",
            "Also make the server left read-only (MySQL super_read_only, MariaDB read_only), with stickyfail.fenceUser, "
                    + "which needs SUPER (MySQL: SYSTEM_VARIABLES_ADMIN; MariaDB 11.4: READ_ONLY ADMIN); undone by a later "
                    + "switch back to it before anything is handed out. Then a switch need not wait for a silent instance's "
                    + "lease: nothing can commit there."),
    FENCE_USER("fenceUser", null, "(none)",
            "User that sets read_only for stickyfail.fenceReadOnly; default: the connection's user."),
    FENCE_PASSWORD("fencePassword", null, "(none)",
            "Password of stickyfail.fenceUser; default: the connection's password when fenceUser is not set."),
    LEASE("lease", "10s", "(none: peers replicate with no lease)",
            "With a shared store: how long an instance trusts the decision it last confirmed, counted from when the confirming "
                    + "read was sent. An instance that cannot confirm in time stops routing until it can."),
    GALERA_AVAILABLE_WHEN_DONOR("galeraAvailableWhenDonor", "false", "check_pxc.sh / clustercheck AVAILABLE_WHEN_DONOR",
            "Whether the galera probe accepts a node that is a state-transfer donor (wsrep_local_state = 2) in the primary "
                    + "component; by default only a synced node (4) may take traffic."),
    REPLACE_IDLE_CONNECTIONS("replaceIdleConnections", "true", "(none: a proxy cannot keep a client's session)",
            "Replace a connection that was idle when a switch aborted it, at its next use, by a new one to the active "
                    + "server with the application's JDBC settings restored, when the server reported no session state "
                    + "that cannot be restored (sets trackSessionState=true unless given). false: it fails with 08S01.");

    public static final String PREFIX = "stickyfail.";

    private final String key;
    private final String defaultValue;
    private final String haproxy;
    private final String description;

    StickyFailProperty(String name, String defaultValue, String haproxy, String description) {
        this.key = PREFIX + name;
        this.defaultValue = defaultValue;
        this.haproxy = haproxy;
        this.description = description;
    }

    /** The full property name, e.g. {@code stickyfail.checkInterval}. */
    public String key() {
        return key;
    }

    /** The default as the user would write it, or {@code null} when there is none (or it is derived). */
    public String defaultValue() {
        return defaultValue;
    }

    /** The HAProxy keyword this property stands for. */
    public String haproxy() {
        return haproxy;
    }

    public String description() {
        return description;
    }

    /** Whether the value is a secret that must never be echoed. */
    public boolean isSecret() {
        return this == CHECK_PASSWORD || this == FENCE_PASSWORD;
    }

    /** @return the property with this full key, or {@code null} */
    public static StickyFailProperty byKey(String key) {
        for (StickyFailProperty p : values()) {
            if (p.key.equals(key)) {
                return p;
            }
        }
        return null;
    }

    /** @return whether a Connector/J or stickyfail property name holds a secret */
    public static boolean isSecretKey(String key) {
        return key != null && key.toLowerCase(Locale.ROOT).contains("password");
    }
}
