package dev.stickyfail.probe;

/** What one probe found, as the rise/fall state machine counts it. */
public enum ProbeOutcome {
    /** The server may take traffic: counts toward {@code rise}. */
    PASS,
    /** The server did not answer in time, or the session broke: counts toward {@code fall}. */
    FAIL,
    /** Nothing listens on the server's port: unambiguous, the server is marked down at once. */
    REFUSED,
    /**
     * The server answered but refused the probe (too many connections, a failed login, an SQL error): it is alive,
     * so this neither marks it down nor brings it up. Reported, never a reason to fail over on its own.
     */
    SERVER_ERROR
}
