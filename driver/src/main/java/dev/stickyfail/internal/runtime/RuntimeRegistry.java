package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.config.StickyFailConfig;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The groups running in this JVM, by name: one runtime per group, shared by every DataSource and connection that
 * names it. DataSources count as users and release the group when closed; the last one stops it. A group opened
 * through {@code DriverManager} is pinned (there is nothing to close) and runs until {@link #shutdown} or JVM exit.
 */
public final class RuntimeRegistry {

    private static final Map<String, Entry> GROUPS = new LinkedHashMap<>();

    private RuntimeRegistry() {
    }

    private static final class Entry {
        final GroupRuntime runtime;
        int users;
        boolean pinned;

        Entry(GroupRuntime runtime) {
            this.runtime = runtime;
        }
    }

    /** @param pin whether the caller never releases (DriverManager) */
    public static synchronized GroupRuntime acquire(StickyFailConfig config, boolean pin) throws SQLException {
        Entry e = GROUPS.get(config.group());
        if (e == null) {
            GroupRuntime runtime = new GroupRuntime(config);
            runtime.start();
            e = new Entry(runtime);
            GROUPS.put(config.group(), e);
        } else {
            List<String> differences = e.runtime.config().groupSettingsDifferences(config);
            if (!differences.isEmpty()) {
                throw ConfigErrors.problem("group '" + config.group() + "' already runs in this JVM with other settings: "
                        + String.join(", ", differences) + ". Use the same settings, or give this one its own stickyfail.group");
            }
        }
        if (pin) {
            e.pinned = true;
        } else {
            e.users++;
        }
        return e.runtime;
    }

    public static synchronized void release(GroupRuntime runtime) {
        Entry e = GROUPS.get(runtime.name());
        if (e == null || e.runtime != runtime) {
            return;
        }
        e.users--;
        if (e.users <= 0 && !e.pinned) {
            GROUPS.remove(runtime.name());
            runtime.stop();
        }
    }

    public static synchronized Optional<GroupRuntime> find(String group) {
        Entry e = GROUPS.get(group);
        return e == null ? Optional.empty() : Optional.of(e.runtime);
    }

    public static synchronized List<GroupRuntime> all() {
        List<GroupRuntime> list = new ArrayList<>();
        GROUPS.values().forEach(e -> list.add(e.runtime));
        return list;
    }

    /**
     * Stops a group whatever holds it: its probes stop and its remaining connections are aborted. DataSources that
     * used it start a new runtime on their next {@code getConnection}.
     *
     * @return whether the group was running
     */
    public static synchronized boolean shutdown(String group) {
        Entry e = GROUPS.remove(group);
        if (e == null) {
            return false;
        }
        e.runtime.stop();
        return true;
    }
}
