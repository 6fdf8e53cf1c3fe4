package dev.stickyfail.testkit.workload;

import dev.stickyfail.testkit.FaultProxy;
import dev.stickyfail.testkit.ProxiedGroup;
import dev.stickyfail.testkit.ServerGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link ServerGroup} as clients see it: directly, or through one {@link FaultProxy} per server. Servers are
 * labelled {@code db0}, {@code db1}, ... by index; index 0 is the primary. {@link #close()} closes the proxies it
 * started, never the group.
 */
public final class Topology implements AutoCloseable {

    private final ServerGroup group;
    private final ProxiedGroup proxied;

    private Topology(ServerGroup group, ProxiedGroup proxied) {
        this.group = group;
        this.proxied = proxied;
    }

    /** Clients connect to the servers directly. */
    public static Topology direct(ServerGroup group) {
        return new Topology(group, null);
    }

    /** Clients connect through a new pass-through proxy per server. */
    public static Topology proxied(ServerGroup group) {
        return new Topology(group, ProxiedGroup.start(group));
    }

    /** Proxied when {@code fault} needs it, direct otherwise. */
    public static Topology forFault(ServerGroup group, Fault fault) {
        return fault.needsProxies() ? proxied(group) : direct(group);
    }

    public ServerGroup group() {
        return group;
    }

    public Optional<ProxiedGroup> proxies() {
        return Optional.ofNullable(proxied);
    }

    /** The proxy in front of server {@code index}; fails when clients connect directly. */
    public FaultProxy proxy(int index) {
        if (proxied == null) {
            throw new IllegalStateException("this topology has no fault proxies; start it with Topology.proxied(group)");
        }
        return proxied.proxy(index);
    }

    public int size() {
        return group.size();
    }

    /** What clients put in their URL: {@code host:port,host:port}, through the proxies if any. */
    public String hostList() {
        return proxied != null ? proxied.hostList() : group.hostList();
    }

    /** {@code host:port} of server {@code index} as clients reach it. */
    public String clientAddress(int index) {
        return proxied != null ? proxied.proxy(index).hostAndPort() : group.server(index).hostAndPort();
    }

    /** {@code db0}, {@code db1}, ... */
    public String label(int index) {
        return "db" + index;
    }

    public List<String> labels() {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            labels.add(label(i));
        }
        return labels;
    }

    /** {@code text} with every server address (client-side or real) replaced by its label. */
    public String relabel(String text) {
        if (text == null) {
            return "";
        }
        String result = text;
        for (int i = 0; i < size(); i++) {
            result = result.replace(clientAddress(i), label(i)).replace(group.server(i).hostAndPort(), label(i));
        }
        return result;
    }

    /**
     * The server that generated an auto-increment value: the testkit gives server {@code i}
     * {@code auto_increment_offset = i + 1} and {@code auto_increment_increment = size}, so every server draws
     * from its own residue class and the value names the server without another round trip.
     */
    public int serverOfAutoIncrement(long id) {
        return (int) Math.floorMod(id - 1, (long) size());
    }

    /** Every proxy back to pass-through; the group is left as it is. */
    public void passThrough() {
        if (proxied != null) {
            proxied.proxies().forEach(FaultProxy::passThrough);
        }
    }

    @Override
    public void close() {
        if (proxied != null) {
            proxied.close();
        }
    }

    @Override
    public String toString() {
        return "Topology[" + group.name() + (proxied != null ? " via proxies " : " ") + hostList() + "]";
    }
}
