package dev.stickyfail;

/** The SQLStates stickyfail answers with (see the README's error contract). */
public final class SqlStates {

    /**
     * A statement or transaction on a connection that was aborted because its server went down or stopped being the
     * active one. Connection class, so pools evict the connection; get a new one and retry the transaction.
     */
    public static final String CONNECTION_ABORTED = "08S01";

    /**
     * {@code commit()}, or a statement that may change data in autocommit mode, was in flight when the connection was
     * aborted or broke: the outcome is unknown.
     */
    public static final String TRANSACTION_RESOLUTION_UNKNOWN = "08007";

    /**
     * No server usable within {@code stickyfail.failoverTimeout}, the shared decision cannot be confirmed, or the URL or
     * a property is malformed.
     */
    public static final String UNABLE_TO_CONNECT = "08001";

    private SqlStates() {
    }
}
