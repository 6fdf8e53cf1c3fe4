package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.internal.decider.ServerFenceOutcome;
import dev.stickyfail.internal.health.ServerMonitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Fences a server at the server: what the client-side fence cannot stop (a statement the server already received,
 * waiting on a lock or still executing, and the pooled sessions of a paused instance) is stopped by killing, on that
 * server, every session of the application's accounts but the fencing session itself, and waiting until they are
 * gone. An account may list and kill its own sessions without any privilege (MySQL 8, MariaDB 11.4). With
 * {@code stickyfail.fenceReadOnly} the server is also made read-only by a privileged fence account, so nothing of
 * anyone's can commit there.
 *
 * <p>Runs on the decider thread only; every session it opens is bounded by {@code checkTimeout} for the login and each
 * read, and the wait for killed sessions by {@code serverFenceTimeout}.
 */
final class ServerFence {

    private static final Logger LOG = LoggerFactory.getLogger(ServerFence.class);
    static final long DOWN_LOGIN_MILLIS = 100;
    private static final String OWN_SESSIONS =
            "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()";

    private final String group;
    private final ServerAddress[] servers;
    private final Duration loginTimeout;
    private final Duration waitTimeout;
    private final Account fenceAccount;
    /** Every account the group opened application connections with, by user. */
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();

    /** Opens a session to a server as one account. */
    interface Account {
        String user();

        Connection session(ServerAddress server, long timeoutMillis) throws SQLException;
    }

    ServerFence(String group, ServerAddress[] servers, Duration loginTimeout, Duration waitTimeout, Account fenceAccount) {
        this.group = group;
        this.servers = servers;
        this.loginTimeout = loginTimeout;
        this.waitTimeout = waitTimeout;
        this.fenceAccount = fenceAccount;
    }

    /** An application connection was opened as {@code account}: its sessions are fenced from now on. */
    void remember(Account account) {
        if (account != null && account.user() != null) {
            accounts.putIfAbsent(account.user(), account);
        }
    }

    /**
     * Kills the application's sessions on {@code server} and waits until they are gone; with {@code readOnly}, then sets
     * read-only. {@code downHere}: the probes say it is down, so a login gets at most {@value #DOWN_LOGIN_MILLIS} ms (a
     * server that answers does so in a few; a dead or hung one must not hold up the switch).
     */
    ServerFenceOutcome fence(int server, boolean readOnly, boolean downHere) {
        ServerAddress address = servers[server];
        long login = downHere ? Math.min(loginTimeout.toMillis(), DOWN_LOGIN_MILLIS) : loginTimeout.toMillis();
        long deadline = System.nanoTime() + waitTimeout.toNanos();
        boolean answered = false;
        int killed = 0;
        int remaining = 0;
        List<String> notes = new ArrayList<>();
        for (Account account : accounts.values()) {
            AccountFence f = fence(account, address, login, deadline);
            answered |= f.answered();
            killed += f.killed();
            remaining += f.remaining();
            if (f.note() != null) {
                notes.add(f.note());
            }
        }
        boolean madeReadOnly = false;
        if (readOnly && (answered || accounts.isEmpty())) {
            try {
                setReadOnly(address, true);
                madeReadOnly = true;
                answered = true;
            } catch (SQLException | RuntimeException e) {
                notes.add("not made read-only: " + describe(e));
            }
        }
        String detail;
        if (!answered) {
            detail = accounts.isEmpty() ? "not fenced at the server: no application account is known yet"
                    : "not fenced at the server: it did not answer a fresh session within " + login + " ms"
                    + (downHere ? " (its probes fail here)" : "") + " (" + String.join("; ", notes) + "); fenced by the leases "
                    + "and by every other instance that can reach it";
        } else {
            detail = "killed " + killed + " session" + (killed == 1 ? "" : "s") + " of " + accounts.keySet()
                    + (madeReadOnly ? ", made read-only" : "") + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")");
        }
        if (answered && (remaining > 0 || readOnly && !madeReadOnly)) {
            LOG.warn("stickyfail[{}] fence at {}: {}", group, address, detail);
        }
        return new ServerFenceOutcome(answered, killed, remaining, madeReadOnly, detail);
    }

    private record AccountFence(boolean answered, int killed, int remaining, String note) {
    }

    /**
     * Kills one account's sessions on a server: those older than the fencing session, oldest first (a statement that
     * waits on a lock was there before any fence), then waits until they are gone. Other instances fence the same
     * server at the same moment under the same account and kill older fencing sessions, this one included: then it
     * opens another and checks again, and reports the sessions gone only once a session of its own has seen them gone.
     */
    private AccountFence fence(Account account, ServerAddress address, long login, long deadline) {
        String user = account.user();
        Set<Long> victims = null;
        int killed = 0;
        boolean answered = false;
        String lastError;
        while (true) {
            try (Connection c = account.session(address, login)) {
                answered = true;
                long own = connectionId(c);
                List<Long> listed = sessions(c, user, null);
                if (victims == null) {
                    victims = new java.util.TreeSet<>();
                    for (long id : listed) {
                        if (id < own) { // newer ones: other fences, or instances not switched yet (their own fence)
                            victims.add(id);
                        }
                    }
                }
                for (long id : victims) { // ascending: the oldest first
                    if (listed.contains(id) && kill(c, id)) {
                        killed++;
                    }
                }
                int left = awaitGone(c, user, new ArrayList<>(victims), deadline);
                return new AccountFence(true, killed, left, left == 0 ? null : left + " of " + user
                        + "'s sessions still there after " + waitTimeout.toMillis() + " ms");
            } catch (SQLException | RuntimeException e) {
                lastError = "as " + user + ": " + describe(e);
            }
            if (!answered || System.nanoTime() - deadline >= 0) {
                // it never answered, or it stopped answering before this fence could see its sessions gone
                int unknown = answered ? (victims == null ? 1 : Math.max(1, victims.size())) : 0;
                return new AccountFence(answered, killed, unknown, lastError
                        + (answered ? " (the fence could not see the sessions gone)" : ""));
            }
            LOG.debug("stickyfail[{}] fence at {}: {}; checking again with a new session", group, address, lastError);
        }
    }

    /**
     * The fence's reads on {@code server} without its kills, logged in {@code as} (the probe's account, whose sessions
     * are there anyway: an application account's would show among the application's): the session id and the listing
     * of the application's first account's sessions, so that a switch away from the server finds this code run once
     * ({@link SwitchRehearsal}). Returns what it saw, or why it could not.
     */
    String rehearse(int server, Account as) {
        String user = accounts.keySet().stream().findFirst().orElse(as.user());
        try (Connection c = as.session(servers[server], loginTimeout.toMillis())) {
            long own = connectionId(c);
            List<Long> listed = sessions(c, user, null);
            return "listed " + listed.size() + " session(s) of " + user + " (own id " + own + ")";
        } catch (SQLException | RuntimeException e) {
            return describe(e);
        }
    }

    private static long connectionId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Makes {@code server} writable again after an earlier read-only fence, if {@code stillDecided} (asked while this
     * instance holds the server's fence lock) says the decision that makes it active is still in force; returns why
     * not, or {@code null}. The read-only fence takes the same lock, so of "clear for epoch e" and "fence for epoch
     * e+1" whichever comes second sees the other: a late clear cannot undo a newer fence.
     */
    String clearReadOnly(int server, java.util.function.Supplier<String> stillDecided) {
        try {
            return setReadOnly(servers[server], false, stillDecided);
        } catch (SQLException | RuntimeException e) {
            return describe(e);
        }
    }

    private void setReadOnly(ServerAddress server, boolean on) throws SQLException {
        String refused = setReadOnly(server, on, () -> null);
        if (refused != null) {
            throw new SQLException(refused);
        }
    }

    private String setReadOnly(ServerAddress server, boolean on, java.util.function.Supplier<String> mayClear)
            throws SQLException {
        if (fenceAccount == null) {
            throw new SQLException("no fence account (stickyfail.fenceUser, or a user in the URL)");
        }
        long lockSeconds = Math.max(1, (waitTimeout.toMillis() + 999) / 1000);
        try (Connection c = fenceAccount.session(server, loginTimeout.toMillis()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT GET_LOCK('stickyfail.fence', " + lockSeconds + ")")) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    throw new SQLException("the server's fence lock was busy for " + lockSeconds + " s");
                }
            }
            if (!on) {
                String stale = mayClear.get();
                if (stale != null) {
                    return stale; // the lock goes with the session
                }
            }
            boolean mariadb;
            try (ResultSet rs = st.executeQuery("SELECT @@version")) {
                mariadb = rs.next() && rs.getString(1).contains("MariaDB");
            }
            // SET GLOBAL read_only waits for open transactions and table locks: never longer than the fence may take
            st.execute("SET SESSION lock_wait_timeout = " + Math.max(1, (waitTimeout.toMillis() + 999) / 1000));
            String value = on ? "ON" : "OFF";
            if (mariadb) {
                st.execute("SET GLOBAL read_only = " + value);
            } else if (on) {
                st.execute("SET GLOBAL super_read_only = ON"); // implies read_only
            } else {
                st.execute("SET GLOBAL super_read_only = OFF");
                st.execute("SET GLOBAL read_only = OFF");
            }
        }
        return null;
    }

    private static List<Long> sessions(Connection c, String user, List<Long> among) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(OWN_SESSIONS)) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (among == null || among.contains(id)) {
                        ids.add(id);
                    }
                }
            }
        }
        return ids;
    }

    /** @return whether the session was there to kill */
    private static boolean kill(Connection c, long id) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("KILL CONNECTION " + id);
            return true;
        } catch (SQLException e) {
            if (e.getErrorCode() == 1094) { // unknown thread id: it ended by itself
                return false;
            }
            throw e;
        }
    }

    /** Waits until none of {@code ids} is listed any more, or the deadline; returns how many are left. */
    private static int awaitGone(Connection c, String user, List<Long> ids, long deadline) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        while (true) {
            int left = sessions(c, user, ids).size();
            if (left == 0 || System.nanoTime() - deadline >= 0) {
                return left;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a killed session ends at its next check
        }
    }

    private static String describe(Exception e) {
        return e instanceof SQLException se ? ServerMonitor.describe(se) : e.toString();
    }
}
