package dev.stickyfail.internal.runtime;

import dev.stickyfail.store.Decision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The decider's side of a shared decision: when to confirm it, what a confirming read means for the {@link Lease},
 * when the lease is lost, and waiting for the other instances' acknowledgements. Runs on the decider thread only; it
 * reports what happened and leaves switching and fencing to the {@link Decider}.
 */
final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    /** What a confirming read found. */
    sealed interface Confirmation permits Unchanged, Newer, Failed {
    }

    /** The read answered with the decision in force (or an older one): the lease is renewed. */
    record Unchanged() implements Confirmation {
    }

    /** Another instance decided since: the lease is renewed, and {@code decision} must be applied. */
    record Newer(Decision decision, long sentAt) implements Confirmation {
    }

    /** The read failed, or named a server of another group: the lease is not renewed. */
    record Failed() implements Confirmation {
    }

    private static final Unchanged UNCHANGED = new Unchanged();
    private static final Failed FAILED = new Failed();

    private final String name;
    private final GroupRuntime group;
    private final BoundedStore store;
    private final Lease lease;
    private final long confirmEveryNanos;
    private long nextConfirm;
    private boolean lost;
    private volatile String lastStoreError;

    LeaseKeeper(GroupRuntime group, BoundedStore store, Lease lease) {
        this.name = group.name();
        this.group = group;
        this.store = store;
        this.lease = lease;
        // confirm often enough that a lost read or two still leaves time, and that a switch is seen quickly
        this.confirmEveryNanos = Math.min(lease.leaseNanos() / 4, TimeUnit.MILLISECONDS.toNanos(250));
    }

    boolean enabled() {
        return lease.enabled();
    }

    /** The store's last error, or {@code null} once a call has succeeded again. */
    String lastStoreError() {
        return lastStoreError;
    }

    void failed(Throwable t) {
        lastStoreError = t.toString();
    }

    /** A read or compare-and-set sent at {@code sentAt} answered: it renews the lease as a confirming read does. */
    void answered(long sentAt) {
        lease.confirmed(sentAt);
        nextConfirm = System.nanoTime() + confirmEveryNanos;
    }

    /** When the next confirming read is due (nanoTime). */
    long nextConfirmAt() {
        return nextConfirm;
    }

    boolean confirmDue(long now) {
        return now - nextConfirm >= 0;
    }

    /** Reads the shared decision; {@code current} is the decision in force. */
    Confirmation confirm(Decision current) {
        nextConfirm = System.nanoTime() + confirmEveryNanos;
        long sent = System.nanoTime();
        Decision d;
        try {
            d = store.read();
        } catch (Throwable t) {
            lastStoreError = t.toString();
            return FAILED;
        }
        if (d != null && group.indexOf(d.server()) < 0) {
            lease.revoke();
            lastStoreError = "the shared decision names " + d.server() + ", which is not one of this group's servers "
                    + group.serverNames() + " (another group with the same name, or a misconfigured URL): not followed";
            LOG.error("stickyfail[{}] {}", name, lastStoreError);
            return FAILED;
        }
        lease.confirmed(sent);
        lastStoreError = null;
        return d != null && d.isNewerThan(current) ? new Newer(d, sent) : UNCHANGED;
    }

    /** Whether the lease was lost and is held again since: the caller resumes routing. Reports it once. */
    boolean regained() {
        if (lost && !lease.expired()) {
            lost = false;
            return true;
        }
        return false;
    }

    /** Why the lease has just run out (reported once, until it is regained), or {@code null}. */
    String justLost() {
        if (lost || !lease.expired()) {
            return null;
        }
        lost = true;
        return group.leaseLostWhy() + (lastStoreError == null ? "" : ": " + lastStoreError);
    }

    /**
     * After fencing: returns once every other live instance has acknowledged {@code epoch} (fenced too), or once one
     * lease (plus a margin for clock rates) has passed since the decision was seen at {@code seenAt}: an instance that
     * has not acknowledged by then cannot have confirmed the old decision since, so it has stopped routing.
     */
    void awaitAcknowledgements(long epoch, long seenAt, BooleanSupplier stopped) {
        long margin = Math.max(lease.leaseNanos() / 10, TimeUnit.MILLISECONDS.toNanos(200));
        long until = seenAt + lease.leaseNanos() + margin;
        long start = System.nanoTime();
        while (!stopped.getAsBoolean()) {
            try {
                if (store.acknowledgements(epoch).complete()) {
                    LOG.debug("stickyfail[{}] epoch {} acknowledged by every instance after {} ms", name, epoch,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    return;
                }
            } catch (Throwable t) {
                lastStoreError = t.toString();
            }
            if (System.nanoTime() - until >= 0) {
                LOG.warn("stickyfail[{}] not every instance acknowledged epoch {} within the lease; the silent ones have "
                        + "stopped routing by now, going on", name, epoch);
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling the store's acknowledgements
        }
    }
}
