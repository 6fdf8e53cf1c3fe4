package dev.stickyfail.internal.runtime;

import java.util.concurrent.TimeUnit;

/**
 * How long this instance may trust the shared decision it last confirmed: until one lease after the confirming read
 * was <em>sent</em>. Checked on the statement path and before every socket write (a volatile read and a monotonic
 * clock read, no lock), so a JVM resumed after a pause longer than its lease sends nothing before it has confirmed
 * the decision again. A store this instance alone writes needs no lease: then {@link #expired()} is always false.
 */
public final class Lease {

    /** For stores with no lease. */
    public static final Lease NONE = new Lease(0);

    private final boolean enabled;
    private final long leaseNanos;
    private volatile long deadline;
    private volatile long lastConfirmedAt;

    /** @param leaseNanos 0 for none */
    public Lease(long leaseNanos) {
        this.enabled = leaseNanos > 0;
        this.leaseNanos = leaseNanos;
        long now = System.nanoTime();
        this.deadline = now; // nothing is trusted before the first confirmation
        this.lastConfirmedAt = now;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Hot path. */
    public boolean expired() {
        return enabled && System.nanoTime() - deadline >= 0;
    }

    /** A read of the decision, sent at {@code sentAt} (nanoTime), succeeded. @return whether the lease had expired */
    boolean confirmed(long sentAt) {
        boolean wasExpired = expired();
        long d = sentAt + leaseNanos;
        if (d - deadline > 0) {
            deadline = d;
            lastConfirmedAt = sentAt;
        }
        return wasExpired;
    }

    /** Stops trusting at once (the store said something this instance must not follow). */
    void revoke() {
        deadline = System.nanoTime();
    }

    long leaseNanos() {
        return leaseNanos;
    }

    /** Milliseconds left; negative once expired, by how long. */
    public long remainingMillis() {
        return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }

    /** Milliseconds since the last confirming read was sent. */
    public long sinceConfirmedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastConfirmedAt);
    }
}
