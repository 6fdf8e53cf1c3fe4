package dev.stickyfail.admin;

/**
 * The JMX view of one group: {@code dev.stickyfail:type=Group,name=<group>}. Same operations as {@link GroupAdmin}.
 * No attribute carries a credential.
 */
public interface StickyFailGroupMXBean {

    String getGroup();

    /** {@code host:port}, or an empty string while there is no active server. */
    String getActiveServer();

    long getEpoch();

    ServerInfo[] getServers();

    void switchTo(String server);

    void setMaintenance(String server, boolean maintenance);

    void drain(String server);

    void ready(String server);
}
