package dev.stickyfail.internal.health;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.probe.FailureKind;
import dev.stickyfail.probe.Probe;
import dev.stickyfail.probe.ProbeOutcome;
import dev.stickyfail.probe.ProbeResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Watches one server: runs its probes on a thread of its own (so a hung server stalls nobody else), never two at
 * once, each under a hard deadline kept by a shared watchdog, and feeds the results, plus passive failures seen on
 * application connections, into the server's {@link Health}.
 */
public final class ServerMonitor {

    /** What the monitor tells its group. */
    public interface Observer {
        /** A finished probe; called on the probe (or watchdog) thread, outside the monitor's lock. */
        void onProbe(ServerMonitor monitor, ProbeResult result, Duration latency);

        /**
         * The server's health state changed. Called with the monitor's lock held, so changes arrive in order: it must
         * only hand the change on (a queue offer), never block or call back.
         */
        void onStateChange(ServerMonitor monitor, ServerState from, ServerState to, String cause);
    }

    private static final Logger LOG = LoggerFactory.getLogger(ServerMonitor.class);
    /** Connector/J's words when a caching_sha2_password login over plain TCP would need the server's RSA key. */
    private static final String KEY_RETRIEVAL_REFUSED = "Public Key Retrieval is not allowed";
    private static final String KEY_RETRIEVAL_HINT = ": the account uses caching_sha2_password (MySQL 8's default), "
            + "whose login without TLS needs the server's RSA key; connect with TLS (sslMode=PREFERRED or REQUIRED) "
            + "or allow fetching the key (allowPublicKeyRetrieval=true)";

    private final String group;
    private final int index;
    private final ServerAddress server;
    private final StickyFailConfig config;
    private final Supplier<Probe> probeFactory;
    private final Observer observer;
    private final ScheduledExecutorService watchdog;
    private final Object lock = new Object();
    private final Thread thread;

    /** How long a server's first probe may run before its overruns count as more than one failure. */
    static final long FIRST_ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);

    private volatile Health health = Health.initial();
    private volatile AdminState adminState = AdminState.READY;
    private volatile ProbeResult lastResult;
    private volatile long lastLatencyNanos;
    private volatile long lastProbeEndNanos;

    // guarded by lock
    private boolean running;
    private boolean probeNow;
    private boolean passiveCountedSinceProbe;
    private Run current;
    private Probe probe;
    private ProbeDelivery lastDelivery;

    public ServerMonitor(String group, int index, ServerAddress server, StickyFailConfig config,
                         Supplier<Probe> probeFactory, Observer observer, ScheduledExecutorService watchdog) {
        this.group = group;
        this.index = index;
        this.server = server;
        this.config = config;
        this.probeFactory = probeFactory;
        this.observer = observer;
        this.watchdog = watchdog;
        this.thread = new Thread(this::loop, "stickyfail-probe[" + group + "] " + server);
        this.thread.setDaemon(true);
    }

    public void start() {
        synchronized (lock) {
            running = true;
        }
        thread.start();
    }

    /** Stops probing; the probe thread closes its probe on the way out. */
    public void stop() {
        Probe p;
        synchronized (lock) {
            running = false;
            p = probe;
            lock.notifyAll();
        }
        if (p != null) {
            p.abort();
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("stickyfail[{}] the probe of {} ignores abort(); its thread is left to finish on its own", group, server);
        }
    }

    /**
     * A communication error on an application connection to this server: counts as one failed probe (at most one
     * between two probes, so a burst of errors from many connections is one failure, not {@code fall}), and a probe
     * runs at once to confirm it.
     *
     * @return whether this error was counted (false when one already was since the last probe, or when the server is
     *         already down: then its probes alone decide when it comes back)
     */
    public boolean reportPassiveFailure(Throwable error) {
        synchronized (lock) {
            ServerState state = health.state();
            if (!running || !(state.isUp() || state == ServerState.UNKNOWN)) {
                return false;
            }
            boolean count = !passiveCountedSinceProbe;
            if (count) {
                passiveCountedSinceProbe = true;
                apply(ProbeOutcome.FAIL, "passive: " + describe(error));
            }
            probeNow = true;
            lock.notifyAll();
            return count;
        }
    }

    private void loop() {
        try {
            probeUntilStopped();
        } finally {
            Probe p;
            synchronized (lock) {
                p = probe;
                probe = null;
            }
            if (p != null) {
                try {
                    p.close();
                } catch (RuntimeException e) {
                    LOG.debug("stickyfail[{}] closing the probe of {} failed", group, server, e);
                }
            }
        }
    }

    private void probeUntilStopped() {
        long nextStart = System.nanoTime();
        while (true) {
            try {
                nextStart = probeWhenDue(nextStart);
            } catch (StoppedException e) {
                return;
            } catch (Throwable t) {
                // a bug in a probe or in a listener must not kill the thread: that server's health would freeze
                LOG.error("stickyfail[{}] unexpected error while probing {}; probing goes on", group, server, t);
                nextStart = System.nanoTime() + config.checkFastInterval().toNanos();
            }
        }
    }

    private static final class StoppedException extends Exception {
        private static final long serialVersionUID = 1L;

        StoppedException() {
            super(null, null, false, false);
        }
    }

    /** Waits until the next probe is due (or asked for), runs it, and returns when the one after is due. */
    private long probeWhenDue(long nextStart) throws StoppedException {
        {
            synchronized (lock) {
                while (running && !probeNow) {
                    long waitNanos = nextStart - System.nanoTime();
                    if (waitNanos <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, waitNanos);
                    } catch (InterruptedException e) {
                        if (!running) {
                            throw new StoppedException();
                        }
                    }
                }
                if (!running) {
                    throw new StoppedException();
                }
                probeNow = false;
                passiveCountedSinceProbe = false;
            }
            long start = System.nanoTime();
            probeOnce(start);
            return start + interval().toNanos();
        }
    }

    private void probeOnce(long start) {
        Run run = new Run(start);
        Probe p;
        synchronized (lock) {
            if (!running) {
                return;
            }
            if (probe == null) {
                try {
                    probe = probeFactory.get();
                } catch (Throwable t) {
                    LOG.error("stickyfail[{}] cannot create the probe of {}; counted as a failed probe", group, server, t);
                    lastDelivery = record(ProbeResult.fail("the probe could not be created: " + describe(t)),
                            System.nanoTime() - start);
                }
            }
            p = probe;
            if (p != null) {
                current = run;
            }
        }
        deliverProbe();
        if (p == null) {
            return;
        }
        long timeoutNanos = config.checkTimeout().toNanos();
        run.deadline = watchdog.schedule(() -> overrun(run, p), timeoutNanos, TimeUnit.NANOSECONDS);
        ProbeResult result;
        try {
            result = p.check();
        } catch (Throwable t) {
            result = classify(t);
            if (!(t instanceof java.sql.SQLException) && !(t instanceof java.io.IOException)
                    && !result.equals(lastResult)) {
                LOG.warn("stickyfail[{}] the probe of {} threw; counted as a failed probe", group, server, t);
            }
        }
        run.deadline.cancel(false);
        long latency = System.nanoTime() - start;
        synchronized (lock) {
            current = null;
            if (run.overrun) {
                return; // already counted as failed by the watchdog
            }
            if (latency > timeoutNanos && result.outcome() == ProbeOutcome.PASS) {
                result = ProbeResult.fail("probe took " + latency / 1_000_000 + " ms, over checkTimeout "
                        + config.checkTimeout().toMillis() + " ms");
            }
            lastDelivery = record(result, latency);
        }
        deliverProbe();
    }

    /** Hands the last recorded probe to the observer, outside the lock. */
    private void deliverProbe() {
        ProbeDelivery d;
        synchronized (lock) {
            d = lastDelivery;
            lastDelivery = null;
        }
        if (d != null) {
            try {
                observer.onProbe(this, d.result, Duration.ofNanos(d.latencyNanos));
            } catch (RuntimeException e) {
                LOG.warn("stickyfail[{}] probe observer failed for {}", group, server, e);
            }
        }
    }

    private record ProbeDelivery(ProbeResult result, long latencyNanos) {
    }

    /** The probe ran past its deadline: count it failed now, and free its thread. */
    private void overrun(Run run, Probe p) {
        synchronized (lock) {
            if (current != run || !running) {
                return;
            }
            long latency = System.nanoTime() - run.start;
            if (run.overrun && health instanceof Health.Unknown && latency < FIRST_ANSWER_GRACE_NANOS) {
                // Before its first answer a server's probe may be slow for reasons of ours (a cold JVM loading the
                // driver, on a busy machine): its timeout counted once, and a probe still running does not count again
                // yet. Otherwise the first decision could pass over a healthy primary for the backup, and stick there.
                run.deadline = watchdog.schedule(() -> overrun(run, p), config.checkTimeout().toNanos(), TimeUnit.NANOSECONDS);
                return;
            }
            ProbeResult result = ProbeResult.fail(run.overrun
                    ? "probe still stuck after " + latency / 1_000_000 + " ms"
                    : "timed out after " + config.checkTimeout().toMillis() + " ms");
            run.overrun = true;
            lastDelivery = record(result, latency);
            // a probe that ignores abort() keeps failing, once per timeout, until it returns
            run.deadline = watchdog.schedule(() -> overrun(run, p), config.checkTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        deliverProbe();
        try {
            p.abort();
        } catch (RuntimeException e) {
            LOG.warn("stickyfail[{}] abort() of the probe of {} failed", group, server, e);
        }
    }

    /** Must hold lock. @return what to deliver to the observer once the lock is released */
    private ProbeDelivery record(ProbeResult result, long latencyNanos) {
        ProbeResult previous = lastResult;
        lastResult = result;
        lastLatencyNanos = latencyNanos;
        lastProbeEndNanos = System.nanoTime();
        apply(result.outcome(), result.detail());
        if (result.outcome() == ProbeOutcome.SERVER_ERROR && !result.equals(previous)) {
            // once per distinct error, not at every probe: a server refusing the probe's login would flood the log
            LOG.warn("stickyfail[{}] probe of {} answered with an error (a failed probe until the server has passed one, "
                    + "then not a reason to mark it down): {}", group, server, result.detail());
        }
        return new ProbeDelivery(result, latencyNanos);
    }

    /** Must hold lock. */
    private void apply(ProbeOutcome outcome, String cause) {
        Health before = health;
        Health after = before.next(outcome, config.rise(), config.fall());
        health = after;
        if (before.state() != after.state()) {
            observer.onStateChange(this, before.state(), after.state(), cause);
        }
    }

    private Duration interval() {
        switch (health.state()) {
            case UP:
                return config.checkInterval();
            case DOWN:
                return config.checkDownInterval();
            default:
                return config.checkFastInterval();
        }
    }

    static ProbeResult classify(Throwable t) {
        if (!(t instanceof java.sql.SQLException) && !(t instanceof java.io.IOException)) {
            // a bug in the probe, not an answer of the server: the check did not pass
            return ProbeResult.fail("the probe threw " + t.getClass().getSimpleName() + ": " + describe(t));
        }
        String detail = describe(t);
        switch (FailureKind.of(t)) {
            case REFUSED:
                return ProbeResult.refused(detail);
            case COMMUNICATION:
                return ProbeResult.fail(detail);
            default:
                return ProbeResult.serverError(detail);
        }
    }

    /**
     * A one-line description of an error: the message of its deepest cause that says something. Connector/J's
     * "Public Key Retrieval is not allowed" gets what it does not say: which setting would let the login through.
     */
    public static String describe(Throwable t) {
        String message = t.getMessage();
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String base = message == null ? t.getClass().getSimpleName() : firstLine(message);
        if (root != t && root.getMessage() != null) {
            base = base + " (" + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage()) + ")";
        }
        return base.contains(KEY_RETRIEVAL_REFUSED) ? base + KEY_RETRIEVAL_HINT : base;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    public int index() {
        return index;
    }

    public ServerAddress server() {
        return server;
    }

    public ServerState state() {
        return health.state();
    }

    public AdminState adminState() {
        return adminState;
    }

    /** @return the previous admin state */
    public AdminState setAdminState(AdminState state) {
        AdminState before = adminState;
        adminState = state;
        return before;
    }

    /** Up and ready: may become (or stay) the active server. */
    public boolean isEligible() {
        return health.state().isUp() && adminState == AdminState.READY;
    }

    /** @return the last probe's result, or {@code null} before the first */
    public ProbeResult lastResult() {
        return lastResult;
    }

    public Duration lastLatency() {
        return Duration.ofNanos(lastLatencyNanos);
    }

    /** @return nanoTime at which the last probe ended, or 0 */
    public long lastProbeEndNanos() {
        return lastProbeEndNanos;
    }

    /** A running probe: whether the watchdog already counted it, and its deadline. */
    private static final class Run {
        final long start;
        volatile ScheduledFuture<?> deadline;
        boolean overrun; // guarded by the monitor's lock

        Run(long start) {
            this.start = start;
        }
    }
}
