package dev.stickyfail.internal.decision;

import dev.stickyfail.store.Decision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Set;

/**
 * Keeps the group's decision in {@code stickyfail.stateFile} (or nowhere, without one) and knows whether what is on
 * disk is the decision in force. Used by the decider thread only.
 *
 * <p>A failed write does not stop a switch (the group must leave a dead server), but the file that still names the
 * server being left must not be trusted by the next start: it is marked stale at once, the write is retried at every
 * tick, and {@link #persisted()} says {@code false} until a write succeeds.
 */
public final class DecisionJournal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionJournal.class);

    private final String group;
    private final StateFile file;
    private Decision unwritten;
    private volatile boolean persisted = true;
    private String lastError;

    private DecisionJournal(String group, StateFile file) {
        this.group = group;
        this.file = file;
    }

    /** A journal with no file: nothing survives a restart. */
    public static DecisionJournal none(String group) {
        return new DecisionJournal(group, null);
    }

    /**
     * Opens and reads the state file, and proves its directory takes writes now (by writing the loaded decision back),
     * so an unwritable path fails at start rather than at the first failover.
     *
     * @throws SQLException {@code 08001} naming the path when it cannot be locked or written
     */
    public static Opened open(Path path, String group, Set<String> servers) throws SQLException {
        StateFile file = StateFile.open(path, group);
        try {
            StateFile.Content content = file.read(servers);
            try {
                if (content instanceof StateFile.Loaded loaded) {
                    file.write(loaded.decision());
                } else {
                    file.checkWritable();
                }
            } catch (IOException e) {
                throw dev.stickyfail.config.ConfigErrors.problem("state file " + file.path() + " cannot be written ("
                        + e + "); fix the permissions or the disk, or choose another stickyfail.stateFile");
            }
            return new Opened(new DecisionJournal(group, file), content);
        } catch (SQLException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** An opened journal and what its file held. */
    public record Opened(DecisionJournal journal, StateFile.Content content) {
    }

    /**
     * Records a decision about to be applied.
     *
     * @return whether {@link #persisted()} changed
     */
    public boolean record(Decision decision) {
        if (file == null) {
            return false;
        }
        boolean before = persisted;
        try {
            file.write(decision);
            unwritten = null;
            persisted = true;
            if (!before) {
                LOG.info("stickyfail[{}] state file {} written again: epoch {} ({}) will survive a restart", group,
                        file.path(), decision.epoch(), decision.server());
            }
        } catch (IOException | RuntimeException e) {
            unwritten = decision;
            persisted = false;
            lastError = e.toString();
            boolean marked = file.markStale();
            LOG.error("stickyfail[{}] cannot write state file {} ({}); switching to {} (epoch {}) anyway. {} Retrying the "
                            + "write every second; decisionPersisted=false until it succeeds", group, file.path(), e,
                    decision.server(), decision.epoch(), marked
                            ? "The old file was moved aside (" + file.path() + ".stale): a restart before the write succeeds "
                            + "will refuse to choose a server rather than trust it."
                            : "It could not even be moved aside: a restart now would trust a file naming the server being left.");
        }
        return before != persisted;
    }

    /**
     * Retries a failed write, if any.
     *
     * @return whether {@link #persisted()} changed
     */
    public boolean retry() {
        Decision d = unwritten;
        return d != null && file != null && retryWrite(d);
    }

    private boolean retryWrite(Decision d) {
        try {
            file.write(d);
        } catch (IOException | RuntimeException e) {
            lastError = e.toString();
            return false;
        }
        unwritten = null;
        persisted = true;
        LOG.info("stickyfail[{}] state file {} written after all: epoch {} ({}) will survive a restart", group,
                file.path(), d.epoch(), d.server());
        return true;
    }

    /** Whether the decision in force is on disk (always true without a state file: there is nothing to be stale). */
    public boolean persisted() {
        return persisted;
    }

    /** Why the last write failed, or {@code null}. */
    public String lastError() {
        return persisted ? null : lastError;
    }

    /** Whether the file is gone (an operator deleted it to resolve an untrusted file). */
    public boolean fileDeleted(Set<String> servers) {
        return file != null && file.read(servers) instanceof StateFile.Missing;
    }

    public Path path() {
        return file == null ? null : file.path();
    }

    public String describe() {
        return file == null ? "no state file" : "state file " + file.path();
    }

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
