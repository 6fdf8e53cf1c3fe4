package dev.stickyfail.internal.health;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * When this JVM itself was not running: a stop-the-world GC pause, a SIGSTOP, a starved or throttled container. A
 * probe's deadline measures how long the server took to answer only while our own threads ran; a 2 s pause here makes
 * every probe in flight look 2 s late when the JVM resumes, and counting those as failures would leave a healthy
 * server. So a timeout counts only the time outside recorded pauses, as jHiccup measures hiccups and as Cassandra's
 * and Hazelcast's failure detectors learn to discount their own pauses.
 *
 * <p>A daemon thread ({@code stickyfail-pause-detector}, one per JVM while any group runs) sleeps {@value #TICK_MILLIS}
 * ms at a time; when it wakes more than {@value #SLACK_MILLIS} ms later than asked, the excess is a pause. A pause that
 * is still going on (or that the thread has not yet woken up to see) cannot be recorded yet: {@link #settled} says so,
 * and a caller about to count a timeout waits for it.
 */
public final class LocalPauses {

    static final long TICK_MILLIS = 10;
    static final long SLACK_MILLIS = 15;
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    private static final long SLACK = TimeUnit.MILLISECONDS.toNanos(SLACK_MILLIS);
    /** Pauses kept: enough to cover any probe's life many times over. */
    private static final int KEPT = 64;

    private static final Object SHARED_LOCK = new Object();
    private static LocalPauses shared;
    private static int users;

    // guarded by this
    private final long[] starts = new long[KEPT];
    private final long[] ends = new long[KEPT];
    private int next;
    private int count;
    private long totalNanos;
    private long longestNanos;

    private volatile long lastTick;
    private volatile boolean running;
    private Thread thread;

    /** A detector fed by {@link #tick(long)} alone (tests). */
    LocalPauses(long now) {
        this.lastTick = now;
    }

    /** The JVM's detector, started for the first user; {@link #release()} it when done. */
    public static LocalPauses acquire() {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                shared = new LocalPauses(System.nanoTime());
                shared.start();
            }
            users++;
            return shared;
        }
    }

    /** Stops the detector with its last user. */
    public static void release() {
        synchronized (SHARED_LOCK) {
            if (users > 0 && --users == 0 && shared != null) {
                shared.running = false;
                LockSupport.unpark(shared.thread);
                shared = null;
            }
        }
    }

    private void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                LockSupport.parkNanos(TICK);
                tick(System.nanoTime());
            }
        }, "stickyfail-pause-detector");
        thread.setDaemon(true);
        thread.start();
    }

    /** One wake-up of the detector at {@code now}: a late one records the excess as a pause. */
    void tick(long now) {
        long previous = lastTick;
        long late = now - previous - TICK;
        if (late > SLACK) {
            record(previous + TICK, now);
        }
        lastTick = now;
    }

    private synchronized void record(long start, long end) {
        starts[next] = start;
        ends[next] = end;
        next = (next + 1) % KEPT;
        count = Math.min(count + 1, KEPT);
        totalNanos += end - start;
        longestNanos = Math.max(longestNanos, end - start);
    }

    /**
     * Whether every pause up to {@code now} is recorded: the detector woke up recently. False during a pause and
     * right after one, until the detector has run again.
     */
    public boolean settled(long now) {
        return now - lastTick <= TICK + SLACK;
    }

    /** How long this JVM was paused within {@code [from, to]} (nanoTime values), as far as recorded. */
    public synchronized long pausedWithin(long from, long to) {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            long s = Math.max(starts[i], from);
            long e = Math.min(ends[i], to);
            if (e > s) {
                sum += e - s;
            }
        }
        return sum;
    }

    /** Every pause recorded since the detector started, in nanoseconds. */
    public synchronized long totalNanos() {
        return totalNanos;
    }

    /** The longest pause recorded since the detector started, in nanoseconds. */
    public synchronized long longestNanos() {
        return longestNanos;
    }
}
