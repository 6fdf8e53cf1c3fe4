package dev.stickyfail.testkit.workload;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
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
    },

    /**
     * Not a failure: an operator switches every stickyfail group in this JVM that is on the primary to the next server,
     * through the group's MXBean ({@code switchTo}, what JConsole or an Actuator call does); both servers stay healthy
     * and nothing is healed. Only a driver that registers that MXBean can be switched, so only stickyfail runs it.
     */
    PLANNED("switched away by an operator (JMX switchTo)", "left as it is") {
        @Override
        public void inject(Topology topology, int index) {
            String from = topology.clientAddress(index);
            String to = topology.clientAddress((index + 1) % topology.size());
            try {
                MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
                int switched = 0;
                for (ObjectName group : mbs.queryNames(new ObjectName("dev.stickyfail:type=Group,*"), null)) {
                    if (from.equals(mbs.getAttribute(group, "ActiveServer"))) {
                        mbs.invoke(group, "switchTo", new Object[] {to}, new String[] {String.class.getName()});
                        switched++;
                    }
                }
                if (switched == 0) {
                    throw new IllegalStateException("a planned switch needs a stickyfail group on " + from
                            + " in this JVM (its MXBean dev.stickyfail:type=Group): only stickyfail can run it");
                }
            } catch (JMException e) {
                throw new IllegalStateException("the operator's switchTo(" + to + ") failed: " + e, e);
            }
        }

        @Override
        public void heal(Topology topology, int index) {
            // nothing broke
        }

        @Override
        public boolean isFailure() {
            return false;
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

    /** Whether the server breaks; {@link #PLANNED} does not, and {@code all} does not include it. */
    public boolean isFailure() {
        return true;
    }

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

    /** {@code kill}, {@code freeze}, {@code blackhole}, {@code planned}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code kill}, {@code freeze}, {@code blackhole} or {@code planned}, any case. */
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
