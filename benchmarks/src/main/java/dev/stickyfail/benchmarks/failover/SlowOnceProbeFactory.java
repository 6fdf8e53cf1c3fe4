package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.probe.MysqlProbe;
import dev.stickyfail.probe.Probe;
import dev.stickyfail.probe.ProbeFactory;
import dev.stickyfail.probe.ProbeResult;
import dev.stickyfail.probe.ProbeTarget;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code stickyfail.check=slow-once}: the real {@code mysql} probe (a session and a ping), except that the next check
 * of the first server after {@link #slowNextBy(long)} waits that long before it pings, as a probe whose packet was
 * lost and retransmitted, or whose answer waited behind a stalled thread, would: one slow probe among fast ones. Like
 * any probe it gives up when {@code abort()} is called at its deadline.
 */
public final class SlowOnceProbeFactory implements ProbeFactory {

    private static final AtomicLong DELAY_NEXT_NANOS = new AtomicLong();
    /** {@code host:port} of the server whose probe is slowed, as the URL names it. */
    static volatile String primary = "";
    /** Told when a slowed check begins (the application prints it, so that the benchmark can pause it then). */
    static volatile Runnable onSlowedCheck = () -> { };

    /** The next check of the first server in the URL waits {@code millis} first. */
    static void slowNextBy(long millis) {
        DELAY_NEXT_NANOS.set(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Override
    public String name() {
        return "slow-once";
    }

    @Override
    public Probe create(ProbeTarget target) {
        MysqlProbe real = new MysqlProbe(target);
        boolean slowed = target.server().toString().equals(primary);
        return new Probe() {
            private volatile Thread checking;

            @Override
            public ProbeResult check() throws Exception {
                long delay = slowed ? DELAY_NEXT_NANOS.getAndSet(0) : 0;
                if (delay > 0) {
                    onSlowedCheck.run();
                    Thread self = Thread.currentThread();
                    checking = self;
                    long until = System.nanoTime() + delay;
                    while (System.nanoTime() - until < 0 && checking == self) {
                        LockSupport.parkNanos(until - System.nanoTime()); // the late answer, until aborted
                    }
                    if (checking != self) {
                        throw new java.sql.SQLException("aborted while waiting", "08S01");
                    }
                    checking = null;
                }
                return real.check();
            }

            @Override
            public void abort() {
                Thread t = checking;
                checking = null;
                if (t != null) {
                    LockSupport.unpark(t);
                }
                real.abort();
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
