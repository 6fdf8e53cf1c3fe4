package dev.stickyfail.hikari;

import com.zaxxer.hikari.SQLExceptionOverride;
import dev.stickyfail.SqlStates;

import java.sql.SQLException;

/**
 * HikariCP's eviction decision for stickyfail connections: a connection that reported {@code 08007} (the outcome of a
 * commit or an autocommit write is unknown) is always evicted, whatever else is configured; everything else keeps
 * HikariCP's default (it evicts on SQLState class {@code 08} and a few known codes).
 *
 * <p>Decided by SQLState, never by exception class, and looked for along the cause and next-exception chains, because
 * frameworks and drivers wrap. Set it with {@code exceptionOverrideClassName=dev.stickyfail.hikari.StickyFailExceptionOverride}
 * (the Spring Boot starter does so when none is set).
 */
public class StickyFailExceptionOverride implements SQLExceptionOverride {

    /** How deep to follow causes and next exceptions: enough for any wrapping seen in practice, bounded for cycles. */
    private static final int MAX_DEPTH = 10;

    @java.lang.Override
    public Override adjudicate(SQLException exception) {
        return hasUnknownOutcome(exception) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
    }

    /** Whether {@code exception}, or one it wraps or chains, says that a commit's outcome is unknown ({@code 08007}). */
    public static boolean hasUnknownOutcome(Throwable exception) {
        Throwable t = exception;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++) {
            if (t instanceof SQLException sql) {
                if (SqlStates.TRANSACTION_RESOLUTION_UNKNOWN.equals(sql.getSQLState())) {
                    return true;
                }
                SQLException next = sql.getNextException();
                if (next != null && next != t && SqlStates.TRANSACTION_RESOLUTION_UNKNOWN.equals(next.getSQLState())) {
                    return true;
                }
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return false;
    }
}
