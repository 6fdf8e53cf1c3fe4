package dev.stickyfail.admin;

/**
 * The JMX view of one group: {@code dev.stickyfail:type=Group,name="<group>"}. Same operations as {@link GroupAdmin}.
 * No attribute carries a credential.
 */
public interface StickyFailGroupMXBean {

    String getGroup();

    /** {@code host:port}, or an empty string while there is no active server. */
    String getActiveServer();

    long getEpoch();

    /** Whether the decision in force is durable (state file written); false after a failed write until a retry succeeds. */
    boolean isDecisionPersisted();

    /** The instance that made the decision in force, or an empty string. */
    String getDecidedBy();

    /** Why the decision in force was made, or an empty string. */
    String getDecisionReason();

    /** Where the decision lives, e.g. {@code local, state file /var/lib/app/stickyfail.state}. */
    String getStore();

    /** Whether this instance trusts the decision now (with a shared store: its lease is current). */
    boolean isLeaseHeld();

    /** With a shared store: milliseconds left on the lease (negative once expired); otherwise Long.MAX_VALUE. */
    long getLeaseRemainingMillis();

    /** The decision store's last error while the decision was unconfirmed, or an empty string. */
    String getLastStoreError();

    /** What servers switched away from did alone (one line each, latest first): see GroupAdmin.errantTransactions(). */
    String[] getErrantTransactions();

    /**
     * Switches that made a server active without commits the application had been told succeeded (one line each,
     * latest first): see GroupAdmin.missingCommits().
     */
    String[] getMissingCommits();

    /**
     * Each feature turned on and whether its account may do what it needs, with the GRANT that enables it when not
     * (one line each): see GroupAdmin.accountChecks().
     */
    String[] getAccountChecks();

    /** The features turned on that cannot work with their account, with the GRANT that enables each; empty when none. */
    String[] getUnavailableFeatures();

    /** Why the group refuses to choose a server (an untrusted state file), or an empty string. */
    String getRefusedReason();

    ServerInfo[] getServers();

    void switchTo(String server);

    void setMaintenance(String server, boolean maintenance);

    void drain(String server);

    void ready(String server);
}
