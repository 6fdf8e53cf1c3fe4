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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Watches one server and feeds its {@link Health}: probes under a hard deadline each, passive failures seen on
 * application connections, and the application's own traffic as a reason to probe at once.
 *
 * <p>How a hung server is told from a hiccup:
 * <ul>
 *   <li><b>Probes overlap once one is late.</b> While the server is up, a probe starts every {@code checkInterval}; a
 *   probe that has not answered within {@code checkFastInterval} makes the server suspect, and from then on a probe
 *   starts every {@code checkFastInterval} whether or not the earlier ones returned (each on a session of its own, at
 *   most {@code fall + 1} at a time). A server that stopped answering therefore collects its {@code fall} failures
 *   {@code checkFastInterval} apart instead of {@code checkTimeout} apart: it is marked down
 *   {@code checkTimeout + (fall - 1) x checkFastInterval} after the first unanswered probe started.</li>
 *   <li><b>Only silence counts.</b> A probe that times out or breaks counts as a failure only if the server answered
 *   nothing (no other probe) since that probe started: one slow or lost probe among answered ones is not the server's
 *   failure. An error the server answers with, or a verdict it gives (a Galera node not synced), counts as usual.</li>
 *   <li><b>Our own pauses do not count.</b> A deadline measures only the time this JVM was running
 *   ({@link LocalPauses}): after a GC pause or a stopped process, probes in flight are given their full time again.</li>
 *   <li><b>The application's requests say when to look.</b> When requests the application sent to the server after
 *   its last answer have waited {@code checkFastInterval} (and no probe is in flight), a probe starts at once instead
 *   of at its interval ({@link ApplicationTraffic}). It counts nothing by itself.</li>
 * </ul>
 * Before a server's first answer, and while it is down or coming up, probes never overlap.
 */
public final class ServerMonitor {

    /** What the monitor tells its group. */
    public interface Observer {
        /** A finished probe; called on a probe (or watchdog) thread, outside the monitor's lock. */
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

    /** How long a server's first probe may run before its overruns count as more than one failure. */
    static final long FIRST_ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** How often the application's traffic is read while nothing else is due (bounded by checkFastInterval / 4). */
    static final long TRAFFIC_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Most probes in flight at once, whatever fall says: each holds a session and a thread. */
    static final int MAX_IN_FLIGHT = 8;

    private final String group;
    private final int index;
    private final ServerAddress server;
    private final StickyFailConfig config;
    private final Supplier<Probe> probeFactory;
    private final Observer observer;
    private final ScheduledExecutorService watchdog;
    private final ApplicationTraffic traffic;
    private final Object lock = new Object();
    private final Thread scheduler;
    private final ThreadPoolExecutor runners;
    private final int maxInFlight;
    private final long timeoutNanos;
    private final long fastNanos;
    /** How long requests of the application may go unanswered before a probe starts at once: half of fastinter. */
    private final long silenceMillis;
    private final long trafficScanNanos;
    private LocalPauses pauses;

    private volatile Health health = Health.initial();
    private volatile AdminState adminState = AdminState.READY;
    private volatile ProbeResult lastResult;
    private volatile long lastLatencyNanos;
    private volatile long lastProbeEndNanos;
    /** Wall-clock time of the server's last answer to a probe, for comparison with Connector/J's times; 0 before. */
    private volatile long lastAnswerMillis;

    // guarded by lock
    private boolean running;
    private boolean probeNow;
    private String probeNowCause;
    private boolean passiveCountedSinceProbe;
    private final List<Run> inFlight = new ArrayList<>();
    private final ArrayDeque<Probe> idle = new ArrayDeque<>();
    private long lastLaunchNanos;
    private boolean everAnswered;
    private long lastAnswerNanos;

    /**
     * @param applicationSessions the application's connections to this server, established and being opened, read by
     *                            a background scan; {@code null} to watch probes only
     */
    public ServerMonitor(String group, int index, ServerAddress server, StickyFailConfig config,
                         Supplier<Probe> probeFactory, Observer observer, ScheduledExecutorService watchdog,
                         ApplicationSessions applicationSessions) {
        this.group = group;
        this.index = index;
        this.server = server;
        this.config = config;
        this.probeFactory = probeFactory;
        this.observer = observer;
        this.watchdog = watchdog;
        this.traffic = applicationSessions == null || !config.observe() ? null : new ApplicationTraffic(applicationSessions);
        this.timeoutNanos = config.checkTimeout().toNanos();
        this.fastNanos = config.checkFastInterval().toNanos();
        this.silenceMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(fastNanos) / 2);
        this.trafficScanNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
                Math.min(TRAFFIC_SCAN_NANOS, TimeUnit.MILLISECONDS.toNanos(silenceMillis) / 4));
        this.maxInFlight = maxInFlight(config.fall(), timeoutNanos, fastNanos);
        String name = "stickyfail-probe[" + group + "] " + server;
        this.scheduler = new Thread(this::loop, name);
        this.scheduler.setDaemon(true);
        AtomicInteger n = new AtomicInteger();
        this.runners = new ThreadPoolExecutor(0, maxInFlight, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, name + " #" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Probes in flight at once: {@code fall} to collect the failures that mark the server down, one more so that a
     * single slow probe among answered ones is outvoted even with {@code fall} 1; no more than can overlap within one
     * {@code checkTimeout} (probes are aborted at their deadline).
     */
    static int maxInFlight(int fall, long timeoutNanos, long fastNanos) {
        long overlapping = (timeoutNanos + fastNanos - 1) / fastNanos + 1;
        return (int) Math.max(1, Math.min(Math.min(fall + 1L, overlapping), MAX_IN_FLIGHT));
    }

    public void start() {
        synchronized (lock) {
            running = true;
            pauses = LocalPauses.acquire();
            lastLaunchNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
        }
        scheduler.start();
    }

    /** Stops probing; every probe is aborted and closed. */
    public void stop() {
        List<Run> runs;
        List<Probe> spare;
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
            runs = List.copyOf(inFlight);
            runs.forEach(r -> r.done = true);
            inFlight.clear();
            spare = List.copyOf(idle);
            idle.clear();
            lock.notifyAll();
        }
        for (Run r : runs) {
            abortQuietly(r.probe);
        }
        spare.forEach(this::closeQuietly);
        runners.shutdown();
        scheduler.interrupt();
        try {
            scheduler.join(2000);
            if (!runners.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.warn("stickyfail[{}] a probe of {} ignores abort(); its thread is left to finish on its own", group, server);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LocalPauses.release(); // probes still in flight are closed by their threads as they return
    }

    /**
     * A communication error on an application connection to this server: counts as one failed probe (at most one
     * until a probe passes, so a burst of errors from many connections is one failure, not {@code fall}, and the
     * probes alone add the others), and a probe runs at once to confirm it (or, while one is in flight, the next one
     * {@code checkFastInterval} after it).
     *
     * @return whether this error was counted (false when one already was since the last passed probe, or when the server is
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
            probeNow("an application connection failed");
            return count;
        }
    }

    /** Must hold lock. */
    private void probeNow(String cause) {
        probeNow = true;
        probeNowCause = cause;
        lock.notifyAll();
    }

    // ---------------------------------------------------------------- scheduling

    private void loop() {
        while (true) {
            try {
                if (!scheduleOnce()) {
                    return;
                }
            } catch (Throwable t) {
                // a bug in a probe factory or in a listener must not kill the thread: that server's health would freeze
                LOG.error("stickyfail[{}] unexpected error while probing {}; probing goes on", group, server, t);
                synchronized (lock) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, fastNanos);
                    } catch (InterruptedException e) {
                        if (!running) {
                            return;
                        }
                    }
                }
            }
        }
    }

    /** Waits until a probe is due, and starts it; false once stopped. */
    private boolean scheduleOnce() {
        Run run;
        while (true) {
            boolean scan;
            long answeredMillis;
            synchronized (lock) {
                if (!running) {
                    return false;
                }
                long now = System.nanoTime();
                long due = nextLaunch(now);
                if (due != NEVER && due - now <= 0) {
                    run = new Run(now, idle.pollFirst());
                    if (probeNow && LOG.isDebugEnabled()) {
                        LOG.debug("stickyfail[{}] probing {} now: {}", group, server, probeNowCause);
                    }
                    probeNow = false;
                    lastLaunchNanos = now;
                    inFlight.add(run);
                    break;
                }
                long wait = due == NEVER ? TimeUnit.SECONDS.toNanos(1) : due - now;
                if (watchesTraffic()) {
                    wait = Math.min(wait, trafficScanNanos);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, wait);
                } catch (InterruptedException e) {
                    if (!running) {
                        return false;
                    }
                }
                scan = watchesTraffic() && !probeNow;
                answeredMillis = lastAnswerMillis;
            }
            String silence = scan ? applicationSilence(answeredMillis) : null; // outside the lock: reads connections
            if (silence != null) {
                synchronized (lock) {
                    probeNow(silence);
                }
            }
        }
        launch(run);
        return true;
    }

    private static final long NEVER = Long.MIN_VALUE;

    /** Must hold lock. When the next probe may start (nanoTime), or {@link #NEVER} until something changes. */
    private long nextLaunch(long now) {
        if (inFlight.size() >= maxInFlight) {
            return NEVER;
        }
        if (!inFlight.isEmpty()) {
            // another probe while one is in flight only when it is late (even when asked for at once: a burst of
            // passive reports must not start a burst of probes), and only once the server has answered before
            return overlapAllowed() ? lastLaunchNanos + fastNanos : NEVER;
        }
        return probeNow ? now : lastLaunchNanos + interval().toNanos();
    }

    /** Must hold lock. */
    private boolean overlapAllowed() {
        ServerState s = health.state();
        return everAnswered && (s == ServerState.UP || s == ServerState.GOING_DOWN);
    }

    /** Must hold lock. Whether the application's traffic is what may make the next probe start early. */
    private boolean watchesTraffic() {
        return traffic != null && inFlight.isEmpty() && overlapAllowed();
    }

    /**
     * Why to probe now, or {@code null}: requests the application sent after the server's last answer (to them, or to
     * a probe at {@code answeredMillis}) have waited half of {@code checkFastInterval}. A probe costs a ping; waiting
     * longer would only add to the time a hung server keeps every request waiting.
     */
    /**
     * Whether an application session to this server received anything at or after {@code sinceMillis} (wall clock,
     * Connector/J's resolution): proof the server was alive after a probe started. Read outside the lock.
     */
    private boolean applicationAnsweredSince(long sinceMillis) {
        if (traffic == null) {
            return false;
        }
        try {
            return traffic.lastReceivedMillis() > sinceMillis;
        } catch (RuntimeException e) {
            LOG.debug("stickyfail[{}] reading the application's traffic to {} failed", group, server, e);
            return false;
        }
    }

    private String applicationSilence(long answeredMillis) {
        ApplicationTraffic.Scan scan;
        try {
            scan = traffic.scan(answeredMillis);
        } catch (RuntimeException e) {
            LOG.debug("stickyfail[{}] reading the application's traffic to {} failed", group, server, e);
            return null;
        }
        long waited = scan.silentWaitMillis(System.currentTimeMillis());
        if (waited < silenceMillis || waited > TimeUnit.MINUTES.toMillis(10)) {
            return null; // not yet; or a wall clock that jumped back
        }
        return "application requests unanswered for " + waited + " ms";
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

    // ---------------------------------------------------------------- one probe

    private void launch(Run run) {
        if (run.probe == null) {
            try {
                run.probe = probeFactory.get();
            } catch (Throwable t) {
                LOG.error("stickyfail[{}] cannot create the probe of {}; counted as a failed probe", group, server, t);
                ProbeDelivery d;
                synchronized (lock) {
                    inFlight.remove(run);
                    run.done = true;
                    d = record(run, ProbeResult.fail("the probe could not be created: " + describe(t)), false, false,
                            System.nanoTime() - run.start);
                    lock.notifyAll();
                }
                deliver(d);
                return;
            }
        }
        run.deadline = watchdog.schedule(() -> overrun(run), timeoutNanos, TimeUnit.NANOSECONDS);
        try {
            runners.execute(() -> execute(run));
        } catch (RejectedExecutionException e) {
            // stopped meanwhile, or every runner still busy with probes that ignore abort()
            run.deadline.cancel(false);
            Probe spare;
            synchronized (lock) {
                inFlight.remove(run);
                run.done = true;
                spare = running ? keep(run.probe) : run.probe;
                lock.notifyAll();
            }
            closeQuietly(spare);
        }
    }

    private void execute(Run run) {
        Probe p = run.probe;
        ProbeResult result;
        boolean answered;
        try {
            result = p.check();
            answered = true; // a verdict, even a negative one, is an answer
        } catch (Throwable t) {
            result = classify(t);
            answered = result.outcome() == ProbeOutcome.SERVER_ERROR;
            if (!(t instanceof java.sql.SQLException) && !(t instanceof java.io.IOException)
                    && !result.equals(lastResult)) {
                LOG.warn("stickyfail[{}] the probe of {} threw; counted as a failed probe", group, server, t);
            }
        }
        ScheduledFuture<?> deadline = run.deadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
        long end = System.nanoTime();
        boolean applicationAnswered = applicationAnsweredSince(run.startMillis);
        ProbeDelivery d = null;
        Probe spare;
        List<Run> cancelled = List.of();
        synchronized (lock) {
            boolean counted = run.done || run.counted; // cancelled, or the watchdog counted it
            run.done = true;
            inFlight.remove(run);
            spare = running ? keep(p) : p;
            if (!counted && running) {
                long latency = end - run.start;
                long ran = latency - pauses.pausedWithin(run.start, end);
                if (ran > timeoutNanos && result.outcome() == ProbeOutcome.PASS && pauses.settled(end)) {
                    result = ProbeResult.fail("probe took " + TimeUnit.NANOSECONDS.toMillis(ran) + " ms, over checkTimeout "
                            + config.checkTimeout().toMillis() + " ms");
                    answered = false;
                }
                d = record(run, result, answered, applicationAnswered, latency);
                cancelled = cancelIfDown();
            }
            lock.notifyAll();
        }
        deliver(d);
        cancelled.forEach(r -> abortQuietly(r.probe));
        closeQuietly(spare);
    }

    /** Must hold lock. Keeps a probe (and its session) for the next start; returns one to close, or null. */
    private Probe keep(Probe p) {
        if (p == null) {
            return null;
        }
        // once nothing is in flight any more, one spare session is enough
        if (inFlight.isEmpty() && !idle.isEmpty()) {
            return p;
        }
        idle.addFirst(p);
        return null;
    }

    /** The probe ran past its deadline: count it failed now (if the server said nothing since), and free its thread. */
    private void overrun(Run run) {
        ProbeDelivery d;
        List<Run> cancelled;
        boolean applicationAnswered = applicationAnsweredSince(run.startMillis);
        synchronized (lock) {
            if (run.done || !running) {
                return;
            }
            long now = System.nanoTime();
            if (!pauses.settled(now)) {
                // this JVM was (or is) paused and the detector has not caught up: decide once it has
                run.deadline = watchdog.schedule(() -> overrun(run), LocalPauses.TICK_MILLIS * 2, TimeUnit.MILLISECONDS);
                return;
            }
            long since = run.counted ? run.lastCount : run.start;
            long ran = now - since - pauses.pausedWithin(since, now);
            if (ran < timeoutNanos) {
                run.deadline = watchdog.schedule(() -> overrun(run), timeoutNanos - ran, TimeUnit.NANOSECONDS);
                return;
            }
            long latency = now - run.start;
            if (run.counted && health instanceof Health.Unknown && latency < FIRST_ANSWER_GRACE_NANOS) {
                // Before its first answer a server's probe may be slow for reasons of ours (a cold JVM loading the
                // driver, on a busy machine): its timeout counted once, and a probe still running does not count again
                // yet. Otherwise the first decision could pass over a healthy primary for the backup, and stick there.
                run.lastCount = now;
                run.deadline = watchdog.schedule(() -> overrun(run), timeoutNanos, TimeUnit.NANOSECONDS);
                return;
            }
            ProbeResult result = ProbeResult.fail(run.counted
                    ? "probe still stuck after " + TimeUnit.NANOSECONDS.toMillis(latency) + " ms"
                    : "timed out after " + config.checkTimeout().toMillis() + " ms");
            run.counted = true;
            run.lastCount = now;
            d = record(run, result, false, applicationAnswered, latency);
            cancelled = cancelIfDown();
            if (!run.done) {
                // a probe that ignores abort() keeps failing, once per timeout, until it returns
                run.deadline = watchdog.schedule(() -> overrun(run), timeoutNanos, TimeUnit.NANOSECONDS);
            }
        }
        deliver(d);
        cancelled.forEach(r -> abortQuietly(r.probe));
        abortQuietly(run.probe);
    }

    /**
     * Must hold lock. Once the server is down, probes still in flight say nothing new (the down interval paces the
     * next ones): they are cancelled, uncounted, and aborted by the caller outside the lock.
     */
    private List<Run> cancelIfDown() {
        if (health.state() != ServerState.DOWN || inFlight.isEmpty()) {
            return List.of();
        }
        List<Run> cancelled = new ArrayList<>();
        for (Run r : inFlight) {
            if (!r.done) {
                r.done = true;
                cancelled.add(r);
            }
        }
        return cancelled;
    }

    /** Must hold lock. @return what to deliver to the observer once the lock is released */
    private ProbeDelivery record(Run run, ProbeResult result, boolean answered, boolean applicationAnswered,
                                 long latencyNanos) {
        ProbeResult previous = lastResult;
        long now = System.nanoTime();
        lastResult = result;
        lastLatencyNanos = latencyNanos;
        lastProbeEndNanos = now;
        boolean silentFailure = !answered && result.outcome() == ProbeOutcome.FAIL;
        if (silentFailure && everAnswered && (lastAnswerNanos - run.start > 0 || applicationAnswered)) {
            // the server answered another probe, or the application, after this one was sent: this probe was slow or
            // lost, the server was not (a server saturated by queries answers them late, but it answers)
            LOG.debug("stickyfail[{}] probe of {} failed ({}) but the server answered since it started: not counted",
                    group, server, result.detail());
        } else {
            apply(result.outcome(), result.detail());
        }
        if (result.outcome() == ProbeOutcome.PASS) {
            // a passive failure counts once until a probe passes: a burst of application errors interleaved with
            // the probes they trigger must not add up to fall within milliseconds; the probes confirm
            passiveCountedSinceProbe = false;
        }
        if (answered) {
            everAnswered = true;
            lastAnswerNanos = now;
            lastAnswerMillis = System.currentTimeMillis();
        }
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

    /** Hands a recorded probe to the observer, outside the lock. */
    private void deliver(ProbeDelivery d) {
        if (d == null) {
            return;
        }
        try {
            observer.onProbe(this, d.result, Duration.ofNanos(d.latencyNanos));
        } catch (RuntimeException e) {
            LOG.warn("stickyfail[{}] probe observer failed for {}", group, server, e);
        }
    }

    private record ProbeDelivery(ProbeResult result, long latencyNanos) {
    }

    private void abortQuietly(Probe p) {
        if (p == null) {
            return;
        }
        try {
            p.abort();
        } catch (RuntimeException e) {
            LOG.warn("stickyfail[{}] abort() of the probe of {} failed", group, server, e);
        }
    }

    private void closeQuietly(Probe p) {
        if (p == null) {
            return;
        }
        try {
            p.close();
        } catch (RuntimeException e) {
            LOG.debug("stickyfail[{}] closing a probe of {} failed", group, server, e);
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

    /** A probe in flight: its session, whether the watchdog counted it, and its deadline. */
    private static final class Run {
        final long start;
        /** The start on the wall clock, which Connector/J's packet times use. */
        final long startMillis;
        Probe probe; // set before it runs; guarded by the monitor's lock afterwards
        volatile ScheduledFuture<?> deadline;
        boolean done; // guarded by the monitor's lock: finished, counted or cancelled; nothing more to count
        boolean counted; // guarded by the monitor's lock: the watchdog counted it at least once
        long lastCount; // guarded by the monitor's lock

        Run(long start, Probe probe) {
            this.start = start;
            this.startMillis = System.currentTimeMillis();
            this.probe = probe;
        }
    }
}
