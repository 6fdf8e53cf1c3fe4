package dev.stickyfail.config;

import java.util.Locale;

/**
 * One server of a group, as written in the URL. Its {@link #toString()} ({@code host:port}) is the name the
 * server goes by everywhere: logs, events, JMX, the state file and the admin API.
 */
public record ServerAddress(String host, int port) {

    public static final int DEFAULT_PORT = 3306;

    public ServerAddress {
        host = host.toLowerCase(Locale.ROOT);
    }

    /** The form Connector/J expects in a {@code jdbc:mysql://} URL; IPv6 literals keep their brackets. */
    public String hostForUrl() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
        return hostForUrl() + ":" + port;
    }
}
