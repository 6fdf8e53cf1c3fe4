package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@link ServerGroup} with one {@link FaultProxy} in front of each server: {@code proxy(i)} forwards to
 * {@code group().server(i)}. Clients go through {@link #hostList()}; replication between the servers does not go
 * through the proxies, so a proxy fault cuts clients off a server while the servers still replicate (like a
 * partition between the application and one database).
 *
 * <p>{@link #close()} closes the proxies only; the group belongs to whoever started it.
 */
public final class ProxiedGroup implements AutoCloseable {

    private final ServerGroup group;
    private final List<FaultProxy> proxies;

    private ProxiedGroup(ServerGroup group, List<FaultProxy> proxies) {
        this.group = group;
        this.proxies = List.copyOf(proxies);
    }

    /** Starts one pass-through proxy per server of {@code group}. */
    public static ProxiedGroup start(ServerGroup group) {
        List<FaultProxy> proxies = new ArrayList<>();
        try {
            for (DbServer server : group.servers()) {
                proxies.add(FaultProxy.start(server));
            }
        } catch (RuntimeException e) {
            proxies.forEach(FaultProxy::close);
            throw e;
        }
        return new ProxiedGroup(group, proxies);
    }

    public ServerGroup group() {
        return group;
    }

    /** The proxy in front of server {@code index}. */
    public FaultProxy proxy(int index) {
        return proxies.get(index);
    }

    /** One per server, in index order. */
    public List<FaultProxy> proxies() {
        return proxies;
    }

    /** {@code "127.0.0.1:<proxy port 0>,127.0.0.1:<proxy port 1>[,...]"} in server index order. */
    public String hostList() {
        return proxies.stream().map(FaultProxy::hostAndPort).collect(Collectors.joining(","));
    }

    /** {@code jdbc:mysql://127.0.0.1:<proxy port>/app}: server {@code index} through its proxy. */
    public String jdbcUrl(int index) {
        return Jdbc.url(proxy(index).host(), proxy(index).port(), group.database());
    }

    /** The app user to server {@code index} through its proxy, plain URL. */
    public Connection appConnection(int index) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(index), group.appUser(), group.appPassword());
    }

    /** Every proxy back to pass-through, then {@link ServerGroup#heal(Duration)}. */
    public void heal(Duration timeout) {
        proxies.forEach(FaultProxy::passThrough);
        group.heal(timeout);
    }

    /** Closes the proxies (not the group). */
    @Override
    public void close() {
        proxies.forEach(FaultProxy::close);
    }

    @Override
    public String toString() {
        return "ProxiedGroup[" + group.name() + " via " + hostList() + "]";
    }
}
