package dev.stickyfail;

import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.internal.runtime.GroupRuntime;
import dev.stickyfail.internal.runtime.RuntimeRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The groups running in this JVM, and listeners for all of them. */
public final class StickyFail {

    private StickyFail() {
    }

    /** The running group of this name ({@code stickyfail.group}, or the host list and database). */
    public static Optional<GroupAdmin> group(String name) {
        return RuntimeRegistry.find(name).map(r -> r);
    }

    public static List<GroupAdmin> groups() {
        return new ArrayList<>(RuntimeRegistry.all());
    }

    /** Receives the events of every group, present and future: the hook for metrics and frameworks. */
    public static void addGlobalListener(StickyFailListener listener) {
        GroupRuntime.addGlobalListener(listener);
    }

    public static void removeGlobalListener(StickyFailListener listener) {
        GroupRuntime.removeGlobalListener(listener);
    }

    /**
     * Stops a group whatever holds it (DriverManager-opened groups are otherwise kept for the life of the JVM): its
     * probes stop and its remaining connections are aborted.
     *
     * @return whether it was running
     */
    public static boolean shutdown(String group) {
        return RuntimeRegistry.shutdown(group);
    }
}
