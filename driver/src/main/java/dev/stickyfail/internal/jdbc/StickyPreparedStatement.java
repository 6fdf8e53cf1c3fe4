package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.sql.PreparedStatement;

/** A prepared statement of a {@link StickyConnection}; its plain methods are generated from the rule table. */
public abstract class StickyPreparedStatement extends StickyStatement implements PreparedStatement {

    /** The statement's SQL, kept to judge whether it may have committed when its connection broke. */
    final String preparedSql;
    final PreparedStatement prepared;

    StickyPreparedStatement(StickyConnection connection, TrackedConnection tracked, PreparedStatement prepared,
                            String preparedSql) {
        super(connection, tracked, prepared);
        this.preparedSql = preparedSql;
        this.prepared = prepared;
    }

    @Override
    boolean batchCommitsImplicitly() {
        return super.batchCommitsImplicitly() || TrackedConnection.commitsImplicitly(preparedSql);
    }
}
