package dev.stickyfail.internal.runtime;

import java.util.concurrent.TimeUnit;

/**
 * How long this instance may trust the shared decision it last confirmed: until one lease after the confirming read
 * was <em>sent</em>. Checked on the statement path and before every chunk a socket writes (two volatile reads and two
 * clock reads, no lock), so a JVM resumed after a pause longer than its lease sends nothing before it has confirmed
 * the decision again. A store this instance alone writes needs no lease: then {@link #expired()} is always false.
 *
 * <p>The deadline is kept on two clocks. The monotonic one does not move while the machine is suspended, or across
 * a VM snapshot restore; the wall clock does, so a JVM restored ten minutes later finds its lease expired instead of
 * believing it has most of it left. A wall clock stepped forward (NTP) can only end a lease early, which is safe.
 */
public final class Lease {

    /** For stores with no lease. */
    public static final Lease NONE = new Lease(0);

    private final boolean enabled;
    private final long leaseNanos;
    private volatile long deadline;
    private volatile long wallDeadlineMillis;
    private volatile long lastConfirmedAt;

    /** @param leaseNanos 0 for none */
    public Lease(long leaseNanos) {
        this.enabled = leaseNanos > 0;
        this.leaseNanos = leaseNanos;
        long now = System.nanoTime();
        this.deadline = now; // nothing is trusted before the first confirmation
        this.wallDeadlineMillis = System.currentTimeMillis();
        this.lastConfirmedAt = now;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Hot path. */
    public boolean expired() {
        return enabled && (System.nanoTime() - deadline >= 0 || System.currentTimeMillis() - wallDeadlineMillis >= 0);
    }

    /** A read of the decision, sent at {@code sentAt} (nanoTime), succeeded. @return whether the lease had expired */
    boolean confirmed(long sentAt) {
        boolean wasExpired = expired();
        long d = sentAt + leaseNanos;
        if (d - deadline > 0) {
            long wallSent = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
            deadline = d;
            wallDeadlineMillis = wallSent + TimeUnit.NANOSECONDS.toMillis(leaseNanos);
            lastConfirmedAt = sentAt;
        }
        return wasExpired;
    }

    /** Stops trusting at once (the store said something this instance must not follow). */
    void revoke() {
        deadline = System.nanoTime();
        wallDeadlineMillis = System.currentTimeMillis();
    }

    long leaseNanos() {
        return leaseNanos;
    }

    /** The monotonic deadline (nanoTime). */
    long deadlineNanos() {
        return deadline;
    }

    /** Milliseconds left; negative once expired, by how long. */
    public long remainingMillis() {
        return Math.min(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()),
                wallDeadlineMillis - System.currentTimeMillis());
    }

    /** Milliseconds since the last confirming read was sent. */
    public long sinceConfirmedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastConfirmedAt);
    }
}
