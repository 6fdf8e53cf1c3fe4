package dev.stickyfail.testkit.workload;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What happens to the primary in a {@link FailoverScenario}, and how it is undone. */
public enum Fault {

    /** SIGKILL; healed by starting the server again (same port, same data). */
    KILL("killed (SIGKILL)", "restarted") {
        @Override
        public void inject(Topology topology, int index) {
            topology.group().server(index).kill();
        }

        @Override
        public void heal(Topology topology, int index) {
            topology.group().server(index).start();
        }
    },

    /** SIGSTOP: the process hangs, connections stay open and get no answer; healed by SIGCONT. */
    FREEZE("frozen (SIGSTOP)", "thawed (SIGCONT)") {
        @Override
        public void inject(Topology topology, int index) {
            topology.group().server(index).freeze();
        }

        @Override
        public void heal(Topology topology, int index) {
            topology.group().server(index).thaw();
        }
    },

    /**
     * The {@link dev.stickyfail.testkit.FaultProxy} in front of the server swallows every byte, both ways: clients
     * are cut off while the servers still replicate. Healed by passing traffic again.
     */
    BLACKHOLE("cut off by the network (blackhole)", "reachable again") {
        @Override
        public void inject(Topology topology, int index) {
            topology.proxy(index).blackhole();
        }

        @Override
        public void heal(Topology topology, int index) {
            topology.proxy(index).passThrough();
        }

        @Override
        public boolean needsProxies() {
            return true;
        }
    };

    private final String injected;
    private final String healed;

    Fault(String injected, String healed) {
        this.injected = injected;
        this.healed = healed;
    }

    /** Inflicts the fault on server {@code index}; returns once it is in effect. */
    public abstract void inject(Topology topology, int index);

    /** Undoes it; returns once the server can be used again (for a kill: once it accepts logins). */
    public abstract void heal(Topology topology, int index);

    /** Whether clients must reach the servers through fault proxies. */
    public boolean needsProxies() {
        return false;
    }

    /** For timelines: "killed (SIGKILL)". */
    public String injectedText() {
        return injected;
    }

    /** For timelines: "restarted". */
    public String healedText() {
        return healed;
    }

    /** {@code kill}, {@code freeze}, {@code blackhole}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code kill}, {@code freeze} or {@code blackhole}, any case. */
    public static Fault parse(String value) {
        for (Fault f : values()) {
            if (f.id().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a fault; expected one of "
                + Arrays.stream(values()).map(Fault::id).collect(Collectors.joining(", ")));
    }
}
