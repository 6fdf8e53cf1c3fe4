package dev.stickyfail.internal.decision;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Set;

/**
 * {@code stickyfail.store=local}: the decision lives in this JVM and, with {@code stickyfail.stateFile}, on disk.
 * The group serializes its switches, so compare-and-set only guards against misuse.
 */
public final class LocalDecisionStore implements DecisionStore {

    private final StateFile file;
    private final Set<String> servers;
    private Decision current;

    /** @param file the state file, or {@code null} to keep the decision in memory only */
    public LocalDecisionStore(StateFile file, Set<String> servers) {
        this.file = file;
        this.servers = Set.copyOf(servers);
    }

    @Override
    public synchronized Decision load() {
        current = file == null ? null : file.read(servers);
        return current;
    }

    @Override
    public synchronized boolean compareAndSet(Decision expected, Decision next) throws SQLException {
        if (!Objects.equals(current, expected)) {
            return false;
        }
        if (file != null) {
            try {
                file.write(next);
            } catch (IOException e) {
                // The switch goes ahead (refusing it would leave the group on a dead server); a restart will not
                // remember it, which is what the log says.
                org.slf4j.LoggerFactory.getLogger(LocalDecisionStore.class).error(
                        "stickyfail: cannot write state file {} ({}); the switch to {} (epoch {}) will not survive a restart",
                        file.path(), e.toString(), next.server(), next.epoch());
            }
        }
        current = next;
        return true;
    }

    @Override
    public String describe() {
        return file == null ? "local (in memory)" : "local (state file " + file.path() + ")";
    }

    @Override
    public void close() {
    }
}
