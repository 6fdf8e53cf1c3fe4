package dev.stickyfail.micrometer;

import dev.stickyfail.StickyFail;
import dev.stickyfail.admin.DecisionInfo;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerInfo;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.event.DecisionPersistenceEvent;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Micrometer meters for stickyfail groups, fed by the driver's events (never by the statement path):
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@code stickyfail.server.up}</td><td>gauge</td><td>group, server</td><td>1 while the server counts as up</td></tr>
 * <tr><td>{@code stickyfail.server.active}</td><td>gauge</td><td>group, server</td><td>1 for the active server</td></tr>
 * <tr><td>{@code stickyfail.check.duration}</td><td>timer</td><td>group, server, result</td><td>every probe</td></tr>
 * <tr><td>{@code stickyfail.switches}</td><td>counter</td><td>group, reason</td><td>switches of the active server</td></tr>
 * <tr><td>{@code stickyfail.switch.duration}</td><td>timer</td><td>group, reason</td><td>detection to serving</td></tr>
 * <tr><td>{@code stickyfail.connections.evicted}</td><td>counter</td><td>group, server</td><td>connections aborted</td></tr>
 * <tr><td>{@code stickyfail.connections.open}</td><td>gauge</td><td>group, server</td><td>live connections</td></tr>
 * <tr><td>{@code stickyfail.decision.epoch}</td><td>gauge</td><td>group</td><td>the decision's epoch</td></tr>
 * <tr><td>{@code stickyfail.decision.persisted}</td><td>gauge</td><td>group</td><td>1 while the decision is durable</td></tr>
 * <tr><td>{@code stickyfail.lease.held}</td><td>gauge</td><td>group</td><td>1 while the shared decision is trusted</td></tr>
 * <tr><td>{@code stickyfail.switch.catchup}</td><td>timer</td><td>group, outcome</td><td>the wait for the backlog</td></tr>
 * <tr><td>{@code stickyfail.errant.transactions}</td><td>counter</td><td>group, server</td><td>what an abandoned server did alone</td></tr>
 * <tr><td>{@code stickyfail.switch.missing.commits}</td><td>counter</td><td>group, server</td><td>acknowledged commits a
 * new active server lacked after the catch-up</td></tr>
 * </table>
 *
 * <p>Tags hold the group's name and {@code host:port} only: never a user, a password or a URL. Groups are picked up as
 * they appear (running ones at {@link #bindTo}, later ones at their first event). {@link #close()} stops listening.
 */
public final class StickyFailMetrics implements MeterBinder, AutoCloseable {

    static final String PREFIX = "stickyfail.";

    private final Predicate<String> groupFilter;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    // strong references: gauges only hold weak ones to what they observe
    private final Map<String, GroupMeters> groups = new ConcurrentHashMap<>();
    private final Listener listener = new Listener();
    private final AtomicBoolean listening = new AtomicBoolean();

    /** Meters for every group in this JVM. */
    public StickyFailMetrics() {
        this(group -> true);
    }

    /** Meters for the groups {@code groupFilter} accepts (by name). */
    public StickyFailMetrics(Predicate<String> groupFilter) {
        this.groupFilter = Objects.requireNonNull(groupFilter, "groupFilter");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // groups seen so far get their meters here; groups created from now on register in every registry themselves
        List<GroupMeters> known = List.copyOf(groups.values());
        registries.add(registry);
        known.forEach(g -> g.registerIn(registry));
        if (listening.compareAndSet(false, true)) {
            StickyFail.addGlobalListener(listener);
        }
        for (GroupAdmin admin : StickyFail.groups()) {
            group(admin.name());
        }
    }

    @Override
    public void close() {
        if (listening.compareAndSet(true, false)) {
            StickyFail.removeGlobalListener(listener);
        }
    }

    /** The group's meters, created (from its admin snapshot when it runs) at first sight; null when filtered out. */
    private GroupMeters group(String name) {
        if (!groupFilter.test(name)) {
            return null;
        }
        GroupMeters existing = groups.get(name);
        if (existing != null) {
            return existing;
        }
        // From the admin snapshot before it is shared: an event is applied only to the shared one, so a snapshot
        // older than an event can never overwrite what the event set (it did: a switch's active server lost to the
        // snapshot taken as the group started, and the gauge said 0 for good).
        GroupMeters created = new GroupMeters(name);
        created.initialise();
        GroupMeters raced = groups.putIfAbsent(name, created);
        if (raced != null) {
            return raced;
        }
        created.published = true; // first: a server that appears from now on registers itself (twice is harmless)
        for (MeterRegistry r : registries) {
            created.registerIn(r); // only the shared one's gauges: a registry keeps the first gauge of a name
        }
        return created;
    }

    private final class Listener implements StickyFailListener {

        @Override
        public void onProbe(ProbeEvent e) {
            GroupMeters g = group(e.group());
            if (g == null) {
                return;
            }
            g.server(e.server().toString());
            Tags tags = Tags.of("group", e.group(), "server", e.server().toString(),
                    "result", e.result().outcome().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            for (MeterRegistry r : registries) {
                Timer.builder(PREFIX + "check.duration").description("Duration of each health check of a server")
                        .tags(tags).register(r).record(e.latency());
            }
        }

        @Override
        public void onServerStateChange(ServerStateEvent e) {
            GroupMeters g = group(e.group());
            if (g != null) {
                g.server(e.server().toString()).up.set(e.to().isUp() ? 1 : 0);
            }
        }

        @Override
        public void onSwitch(SwitchEvent e) {
            GroupMeters g = group(e.group());
            if (g == null) {
                return;
            }
            g.epoch.set(e.epoch());
            String to = e.to().toString();
            g.server(to);
            g.servers.forEach((name, s) -> s.active.set(name.equals(to) ? 1 : 0));
            Tags tags = Tags.of("group", e.group(), "reason", e.kind().tag());
            for (MeterRegistry r : registries) {
                Counter.builder(PREFIX + "switches").description("Switches of the active server")
                        .baseUnit(BaseUnits.EVENTS).tags(tags).register(r).increment();
                if (e.detectionToServing() != null) {
                    Timer.builder(PREFIX + "switch.duration")
                            .description("From the input that caused a switch to the first connection handed out on the new server")
                            .tags(tags).register(r).record(e.detectionToServing());
                }
            }
        }

        @Override
        public void onEviction(EvictionEvent e) {
            GroupMeters g = group(e.group());
            if (g == null || e.connections() <= 0) {
                return;
            }
            g.server(e.server().toString());
            Tags tags = Tags.of("group", e.group(), "server", e.server().toString());
            for (MeterRegistry r : registries) {
                Counter.builder(PREFIX + "connections.evicted").description("Connections aborted because their server was left or marked down")
                        .baseUnit(BaseUnits.CONNECTIONS).tags(tags).register(r).increment(e.connections());
            }
        }

        @Override
        public void onServerFence(dev.stickyfail.event.ServerFenceEvent e) {
            if (group(e.group()) == null) {
                return;
            }
            String result = !e.answered() ? "not-answered" : e.complete() ? "complete" : "incomplete";
            Tags tags = Tags.of("group", e.group(), "server", e.server().toString(), "result", result);
            for (MeterRegistry r : registries) {
                Counter.builder(PREFIX + "fences.server")
                        .description("Fences of a server at the server (the application's sessions killed there): complete, "
                                + "incomplete (sessions outlived the wait, or read-only could not be set) or not answered")
                        .baseUnit(BaseUnits.EVENTS).tags(tags).register(r).increment();
                Counter.builder(PREFIX + "fences.server.sessions").description("Sessions killed by fences at the server")
                        .baseUnit("sessions").tags(Tags.of("group", e.group(), "server", e.server().toString()))
                        .register(r).increment(e.killed());
            }
        }

        @Override
        public void onLease(dev.stickyfail.event.LeaseEvent e) {
            GroupMeters g = group(e.group());
            if (g != null) {
                g.leaseHeld.set(e.held() ? 1 : 0);
            }
        }

        @Override
        public void onCatchUp(dev.stickyfail.event.CatchUpEvent e) {
            if (group(e.group()) == null) {
                return;
            }
            Tags tags = Tags.of("group", e.group(), "outcome", e.outcome().toLowerCase(Locale.ROOT).replace('_', '-'));
            for (MeterRegistry r : registries) {
                Timer.builder(PREFIX + "switch.catchup").description("Wait at a switch for the new server to apply its backlog")
                        .tags(tags).register(r).record(e.took());
            }
        }

        @Override
        public void onErrantTransactions(dev.stickyfail.event.ErrantTransactionsEvent e) {
            if (group(e.group()) == null) {
                return;
            }
            Tags tags = Tags.of("group", e.group(), "server", e.report().oldServer());
            for (MeterRegistry r : registries) {
                Counter.builder(PREFIX + "errant.transactions")
                        .description("Transactions a server switched away from had that the new server had not received")
                        .baseUnit("transactions").tags(tags).register(r).increment(e.report().count());
            }
        }

        @Override
        public void onMissingCommits(dev.stickyfail.event.MissingCommitsEvent e) {
            if (group(e.group()) == null) {
                return;
            }
            Tags tags = Tags.of("group", e.group(), "server", e.report().newServer());
            for (MeterRegistry r : registries) {
                Counter.builder(PREFIX + "switch.missing.commits")
                        .description("Commits the application was told succeeded that the server a switch made active "
                                + "lacked when the catch-up ended")
                        .baseUnit("commits").tags(tags).register(r).increment(e.report().count());
            }
        }

        @Override
        public void onDecisionPersistence(DecisionPersistenceEvent e) {
            GroupMeters g = group(e.group());
            if (g != null) {
                g.persisted.set(e.persisted() ? 1 : 0);
            }
        }
    }

    /** What one group's gauges observe. */
    private final class GroupMeters {
        final String name;
        final AtomicLong epoch = new AtomicLong();
        final AtomicInteger persisted = new AtomicInteger(1);
        final AtomicInteger leaseHeld = new AtomicInteger(1);
        final Map<String, ServerMeters> servers = new ConcurrentHashMap<>();
        /** Shared in {@code groups}: its servers' gauges register as they appear. */
        volatile boolean published;

        GroupMeters(String name) {
            this.name = name;
        }

        /** Starts from the group's admin snapshot; events keep it current from then on. */
        void initialise() {
            Optional<GroupAdmin> admin = StickyFail.group(name);
            if (admin.isEmpty()) {
                return;
            }
            leaseHeld.set(admin.get().coordination().leaseHeld() ? 1 : 0);
            admin.get().decision().ifPresent((DecisionInfo d) -> {
                epoch.set(d.epoch());
                persisted.set(d.persisted() ? 1 : 0);
            });
            for (ServerInfo info : admin.get().servers()) {
                ServerMeters s = server(info.getServer());
                s.up.set(ServerState.valueOf(info.getState()).isUp() ? 1 : 0);
                s.active.set(info.isActive() ? 1 : 0);
            }
        }

        void registerIn(MeterRegistry r) {
            registerGroupGaugesIn(r);
            servers.values().forEach(s -> s.registerIn(r));
        }

        void registerGroupGaugesIn(MeterRegistry r) {
            Gauge.builder(PREFIX + "decision.epoch", epoch, AtomicLong::get)
                    .description("Epoch of the group's decision: grows by one at every switch").tag("group", name).register(r);
            Gauge.builder(PREFIX + "decision.persisted", persisted, AtomicInteger::get)
                    .description("1 while the decision is durable (state file or shared store written), 0 when it is not")
                    .tag("group", name).register(r);
            Gauge.builder(PREFIX + "lease.held", leaseHeld, AtomicInteger::get)
                    .description("1 while this instance trusts the decision (always, with a local store); 0 while it fails closed")
                    .tag("group", name).register(r);
        }

        ServerMeters server(String server) {
            ServerMeters existing = servers.get(server);
            if (existing != null) {
                return existing;
            }
            ServerMeters created = new ServerMeters(name, server);
            ServerMeters raced = servers.putIfAbsent(server, created);
            if (raced != null) {
                return raced;
            }
            if (published) {
                for (MeterRegistry r : registries) {
                    created.registerIn(r);
                }
            }
            return created;
        }
    }

    /** What one server's gauges observe. */
    private static final class ServerMeters {
        final String group;
        final String server;
        final AtomicInteger up = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();

        ServerMeters(String group, String server) {
            this.group = group;
            this.server = server;
        }

        void registerIn(MeterRegistry r) {
            Tags tags = Tags.of("group", group, "server", server);
            Gauge.builder(PREFIX + "server.up", up, AtomicInteger::get)
                    .description("1 while the server counts as up (UP or GOING_DOWN), 0 otherwise").tags(tags).register(r);
            Gauge.builder(PREFIX + "server.active", active, AtomicInteger::get)
                    .description("1 for the group's active server, 0 for the others").tags(tags).register(r);
            Gauge.builder(PREFIX + "connections.open", this, ServerMeters::openConnections)
                    .description("Live physical connections from this JVM to the server")
                    .baseUnit(BaseUnits.CONNECTIONS).tags(tags).register(r);
        }

        /** Read at scrape time from the group's admin snapshot. */
        double openConnections() {
            return StickyFail.group(group).flatMap(a -> a.servers().stream()
                    .filter(s -> s.getServer().equals(server)).findFirst())
                    .map(ServerInfo::getConnections).orElse(0);
        }
    }

}
