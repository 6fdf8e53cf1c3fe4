package dev.stickyfail.internal.decider;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.event.AdminStateEvent;
import dev.stickyfail.event.LeaseEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchReason;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The decision logic of one group, as a step function: {@link #step(Input, long)} takes what happened and the time,
 * changes the core's state, and returns what to do. It does no I/O and reads no clock: every effect (publishing a
 * route, fencing, talking to the store or the servers, events) is an {@link Action} its driver performs, the threaded
 * runtime for real and the simulation against simulated servers and store, so the same code is what a schedule of
 * faults is explored against.
 *
 * <p>One switch sequence, whoever decided it (this instance or another, read from a shared store):
 * <ol>
 *   <li>close the route: nothing is handed out;</li>
 *   <li>fence locally: every connection to every other server is marked, cut and aborted; only now is a lease renewed
 *       by the read that brought the decision, so a lease never covers connections to a server the decision left;</li>
 *   <li>fence at the server: on each server left that still answers, the application's sessions are killed (and with
 *       {@code fenceReadOnly} it is made read-only), so what it already received cannot commit later;</li>
 *   <li>acknowledge the epoch in the store;</li>
 *   <li>catch up: the new server applies what it received from the old one;</li>
 *   <li>barrier: every other live instance acknowledged, or the longest lease ran out (then every server left is
 *       fenced at the server once more, those that did not answer the first time included, for what a silent instance
 *       sent before its lease ran out); skipped when every server left was made read-only;</li>
 *   <li>publish the route to the new server.</li>
 * </ol>
 * A route is usable only for a decision whose barrier passed here, while the lease holds and the server is up.
 *
 * <p>While a call is outstanding the core is busy: health changes update its view of the servers at once, but what
 * they cause, and operators' commands, wait until the operation in progress is done, in arrival order.
 */
public final class SwitchCore {

    private static final Logger LOG = LoggerFactory.getLogger(SwitchCore.class);
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long BARRIER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How a planned switch's reason begins, so every instance that applies it knows it may drain first. */
    static final String ADMIN_REASON = "admin switchTo";
    static final String FAILBACK_REASON = "failback";

    private final CoreSettings s;
    private final String log;
    private final ServerAddress[] addresses;
    private final SwitchPolicy.View[] views;
    private final List<Action> out = new ArrayList<>();
    private final Deque<Input> deferred = new ArrayDeque<>();

    private long now;
    private Decision decision;
    private Decision local;
    private long epochFloor;
    private String refusedWhy;
    private boolean started;
    private boolean storeStarted;
    private boolean stopped;
    /** The epoch whose barrier passed here: only its route may be usable. */
    private long barrierPassed = -1;
    private Op op;
    private long nextCallId = 1;
    private long awaiting;

    private long leaseDeadline;
    private boolean leaseLost;
    private String lastStoreError;
    private long nextConfirm;
    private boolean hintPending;
    private long nextTick;
    private boolean retryScheduled;
    private long retryAt;
    private long startAt;
    private long backoff = MIN_BACKOFF_NANOS;
    /**
     * Whether the decision in force was made by another instance for a server this one saw down when it applied it,
     * and when (the hold-down).
     */
    private boolean followingRemote;
    private long remoteAppliedAt;
    private boolean holdDownLogged;
    /** Servers that came up again while the core was busy and still need the fence at the server. */
    private final Deque<Integer> pendingServerFences = new ArrayDeque<>();
    /** Servers a switch left since they were last active: only these are fenced again when seen up. */
    private final java.util.Set<Integer> abandoned = new java.util.HashSet<>();
    private Route published = Route.NONE;

    public SwitchCore(CoreSettings settings, ServerAddress[] addresses, Decision local, long epochFloor,
                      String refusedWhy) {
        this.s = settings;
        this.log = "stickyfail[" + settings.group() + "]";
        this.addresses = addresses.clone();
        this.views = new SwitchPolicy.View[addresses.length];
        for (int i = 0; i < views.length; i++) {
            views[i] = new SwitchPolicy.View(ServerState.UNKNOWN, AdminState.READY);
        }
        this.local = local;
        this.epochFloor = epochFloor;
        this.refusedWhy = refusedWhy;
    }

    // ---------------------------------------------------------------- what drivers read

    /** The decision in force, or {@code null}. */
    public Decision decision() {
        return decision;
    }

    public String refusedWhy() {
        return refusedWhy;
    }

    /** The shared store's last error while the decision is unconfirmed, or {@code null}. */
    public String lastStoreError() {
        return lastStoreError;
    }

    /** Whether a call is outstanding (its result is awaited). */
    public boolean busy() {
        return awaiting != 0;
    }

    /** The route last published. */
    public Route route() {
        return published;
    }

    /** The epoch whose switch sequence, barrier included, completed here; -1 before any. */
    public long barrierPassed() {
        return barrierPassed;
    }

    /** Whether the decided server is unusable here while the group is otherwise able to route (for health checks). */
    public boolean decidedServerUnusable() {
        if (decision == null || refusedWhy != null || stopped) {
            return false;
        }
        SwitchPolicy.View v = views[indexOf(decision.server())];
        return !v.state().isUp() || v.admin() == AdminState.MAINT;
    }

    /** When the driver must send a {@link Input.Tick} at the latest (nanoTime). */
    public long nextWakeAt() {
        long at = nextTick;
        if (awaiting != 0) {
            return at; // the answer wakes the core; what is due then is done then
        }
        if (started && !storeStarted && op == null) {
            at = Math.min(at, startAt);
        }
        if (retryScheduled && op == null) {
            at = Math.min(at, retryAt);
        }
        if (s.leased() && storeStarted && !stopped) {
            if (!leaseLost) {
                at = Math.min(at, leaseDeadline);
            }
            if (op == null) {
                at = Math.min(at, nextConfirm);
            }
        }
        if (op instanceof ApplyOp a && a.awaitingPoll) {
            at = Math.min(at, a.nextPoll); // a confirm that falls due meanwhile is made at the next poll
        }
        return at;
    }

    // ---------------------------------------------------------------- the step function

    /** Takes one input at time {@code now} (nanoTime) and returns what to do, in order. */
    public List<Action> step(Input in, long now) {
        this.now = now;
        out.clear();
        if (now - nextTick >= 0) {
            nextTick = now + TICK_NANOS;
        }
        if (stopped) {
            if (in instanceof Input.AdminSwitch a) {
                refuse(a.command(), "the group is stopped");
            } else if (in instanceof Input.AdminStateChange a) {
                refuse(a.command(), "the group is stopped");
            }
            return List.copyOf(out);
        }
        if (in instanceof Input.Stop) {
            stop();
            return List.copyOf(out);
        }
        checkLease();
        if (in instanceof Input.Result r) {
            if (r.id() == awaiting) {
                awaiting = 0;
                op.on(r);
            } else {
                LOG.debug("{} a late answer to call {} ignored", log, r.id());
            }
        } else if (in instanceof Input.HealthChanged h) {
            views[h.server()] = new SwitchPolicy.View(h.to(), views[h.server()].admin()); // a fact: seen at once
            external(in);
        } else if (in instanceof Input.Hint) {
            hintPending = true;
        } else if (in instanceof Input.Start) {
            started = true;
            startAt = now;
            nextTick = now + TICK_NANOS;
        } else if (!(in instanceof Input.Tick)) {
            external(in);
        }
        if (op instanceof ApplyOp a && a.stage == Stage.BARRIER_WAIT && awaiting == 0) {
            a.poll();
        }
        idle();
        return List.copyOf(out);
    }

    /** Runs what waited while the core was busy, then the housekeeping: store start, retries, confirms, ticks. */
    private void idle() {
        while (op == null && !stopped) {
            Input next = deferred.poll();
            if (next != null) {
                handle(next);
                continue;
            }
            if (!pendingServerFences.isEmpty()) {
                int server = pendingServerFences.poll();
                if (mayFenceReturning(server)) {
                    op = new ReturnFenceOp(server);
                    op.begin();
                }
                continue;
            }
            if (!started) {
                return;
            }
            if (!storeStarted) {
                if (now - startAt >= 0) {
                    startAt = now + TICK_NANOS;
                    op = new StartOp();
                    op.begin();
                }
                return;
            }
            if (retryScheduled && now - retryAt >= 0) {
                retryScheduled = false;
                reconsider("retry", now, 0);
                continue;
            }
            if (s.leased() && (hintPending || now - nextConfirm >= 0)) {
                hintPending = false;
                op = new ConfirmOp();
                op.begin();
                continue;
            }
            if (now - nextTick >= 0) {
                nextTick = now + TICK_NANOS;
            }
            return;
        }
    }

    private void external(Input in) {
        if (!storeStarted && !(in instanceof Input.HealthChanged)) {
            if (in instanceof Input.AdminSwitch a) {
                refuse(a.command(), "the decision store " + s.store().get() + " has not been joined yet"
                        + (lastStoreError == null ? "" : " (" + lastStoreError + ")"));
                return;
            }
            if (in instanceof Input.AdminStateChange a) {
                refuse(a.command(), "the decision store " + s.store().get() + " has not been joined yet");
                return;
            }
        }
        if (op != null) {
            deferred.add(in);
        } else {
            handle(in);
        }
    }

    private void handle(Input in) {
        if (in instanceof Input.HealthChanged h) {
            onHealthChanged(h);
        } else if (in instanceof Input.AdminSwitch a) {
            adminSwitch(a);
        } else if (in instanceof Input.AdminStateChange a) {
            adminState(a);
        } else if (in instanceof Input.StateFileDeleted) {
            if (refusedWhy != null) {
                LOG.warn("{} the untrusted state file was deleted: starting fresh from the first server up", log);
                refusedWhy = null;
                reconsider("state file deleted by an operator", now, 0);
            }
        }
    }

    // ---------------------------------------------------------------- the lease

    /** Once the lease has run out: stop routing and fence every server (fail closed) until it is confirmed again. */
    private void checkLease() {
        if (!s.leased() || !storeStarted || leaseLost || now - leaseDeadline < 0) {
            return;
        }
        leaseLost = true;
        String why = "the shared decision could not be confirmed with " + s.store().get() + " within stickyfail.lease="
                + Duration.ofNanos(s.leaseNanos()).toMillis() + "ms" + (lastStoreError == null ? "" : ": " + lastStoreError);
        LOG.error("{} {}; routing nothing and aborting every connection until it can be confirmed", log, why);
        publish(Route.closed(epoch()));
        out.add(new Action.FenceLocal(allServers(), why, -1, epoch()));
        out.add(new Action.Emit(new LeaseEvent(s.group(), false, s.store().get(), why)));
    }

    private void renewLease(long sentAt) {
        out.add(new Action.RenewLease(sentAt));
        long d = sentAt + s.leaseNanos();
        if (d - leaseDeadline > 0) {
            leaseDeadline = d;
        }
        nextConfirm = now + s.confirmEveryNanos();
        lastStoreError = null;
        if (leaseLost && now - leaseDeadline < 0) {
            leaseLost = false;
            LOG.info("{} the shared decision is confirmed again ({} at epoch {}); routing resumes", log,
                    decision == null ? "none" : decision.server(), epoch());
            out.add(new Action.Emit(new LeaseEvent(s.group(), true, s.store().get(), "confirmed again")));
            if (op == null) { // a switch in progress publishes when it is done
                reconsider("lease confirmed again", now, 0);
            }
        }
    }

    private boolean leaseHeld() {
        return !s.leased() || now - leaseDeadline < 0;
    }

    // ---------------------------------------------------------------- health and commands

    private void onHealthChanged(Input.HealthChanged h) {
        int i = h.server();
        if (h.to() == ServerState.UP) {
            out.add(new Action.ServerUp(i));
        }
        boolean answersAgain = h.to() == ServerState.GOING_UP || h.to() == ServerState.UP && h.from() == ServerState.DOWN;
        if (answersAgain && abandoned.contains(i)) {
            // its first answer: kill what of the application's outlived the switch (a partition that healed), after the
            // reconsideration below, and before it counts as up
            pendingServerFences.add(i);
        }
        out.add(new Action.Emit(new ServerStateEvent(s.group(), addresses[i], h.from(), h.to(), h.cause())));
        if (h.to() == ServerState.DOWN && s.fenceOnMarkedDown() && views[i].state() == ServerState.DOWN) {
            out.add(new Action.FenceLocal(List.of(i), addresses[i] + " was marked down (" + h.cause() + ")",
                    activeIndex(), epoch()));
        }
        reconsider(addresses[i] + " marked " + h.to() + " (" + h.cause() + ")", h.atNanos(), 0);
    }

    private void adminSwitch(Input.AdminSwitch a) {
        int target = a.target();
        if (!views[target].eligible()) {
            refuse(a.command(), "cannot switch to " + addresses[target] + " (" + views[target].state() + ", "
                    + views[target].admin() + "); the target must be up and ready");
            return;
        }
        if (refusedWhy != null) {
            LOG.warn("{} switchTo({}) by an operator resolves the untrusted state file ({})", log, addresses[target],
                    refusedWhy);
            refusedWhy = null;
        } else if (decision != null && target == indexOf(decision.server()) && published.usable()) {
            LOG.info("{} switchTo({}): already the active server", log, addresses[target]);
            out.add(new Action.CompleteCommand(a.command(), null));
            return;
        }
        propose(target, SwitchReason.ADMIN, ADMIN_REASON + "(" + addresses[target] + ")", now, a.command());
    }

    private void adminState(Input.AdminStateChange a) {
        int i = a.server();
        AdminState before = views[i].admin();
        if (before == a.state()) {
            out.add(new Action.CompleteCommand(a.command(), null));
            return;
        }
        views[i] = new SwitchPolicy.View(views[i].state(), a.state());
        out.add(new Action.SetAdminState(i, a.state()));
        LOG.info("{} {} set to {} (was {})", log, addresses[i], a.state(), before);
        out.add(new Action.Emit(new AdminStateEvent(s.group(), addresses[i], before, a.state())));
        reconsider(addresses[i] + " set to " + a.state() + " by an operator", now, a.command());
    }

    private void refuse(long command, String why) {
        if (command == 0) {
            return;
        }
        out.add(new Action.CompleteCommand(command, new IllegalStateException(log + ": " + why)));
    }

    // ---------------------------------------------------------------- deciding

    /** Asks the policy; starts a switch, or publishes the route for the decision in force. */
    private void reconsider(String cause, long detectedAt, long command) {
        if (refusedWhy != null || !storeStarted || stopped) {
            publish(Route.NONE);
            complete(command, null);
            return;
        }
        int current = activeIndex();
        SwitchPolicy.Verdict v = SwitchPolicy.decide(current, views.clone(), s.failback());
        if (v instanceof SwitchPolicy.SwitchTo to) {
            if (current >= 0 && heldDown(to)) {
                publish(routeFor(decision));
                complete(command, null);
                return;
            }
            String why = switch (to.reason()) {
                case INITIAL -> "first decision: " + addresses[to.target()] + " is the first server up";
                case FAILBACK -> FAILBACK_REASON + " (stickyfail.failback=primary-up): " + addresses[to.target()] + " is up again";
                case MARKED_DOWN -> cause.startsWith(addresses[current] + " marked ") ? cause
                        : addresses[current] + " marked " + views[current].state() + " (" + cause + ")";
                case MAINTENANCE -> addresses[current] + " is in maintenance";
                default -> cause;
            };
            propose(to.target(), to.reason(), why, detectedAt, command);
        } else {
            publish(routeFor(decision));
            complete(command, null);
        }
    }

    /**
     * A decision another instance made is not left before the hold-down has passed since it was applied here: two
     * instances that see different servers down would otherwise move everybody back and forth.
     */
    private boolean heldDown(SwitchPolicy.SwitchTo to) {
        if (!followingRemote || to.reason() != SwitchReason.MARKED_DOWN) {
            return false;
        }
        long until = remoteAppliedAt + s.holdDownNanos();
        if (now - until >= 0) {
            return false;
        }
        if (!holdDownLogged) {
            holdDownLogged = true;
            LOG.warn("{} another instance decided {} at epoch {}, which is {} here; keeping it for {} ms before proposing "
                    + "{} (other instances may see the servers differently)", log, decision.server(), decision.epoch(),
                    views[activeIndex()].state(), TimeUnit.NANOSECONDS.toMillis(until - now), addresses[to.target()]);
        }
        scheduleRetryAt(until);
        return true;
    }

    private void propose(int target, SwitchReason reason, String why, long detectedAt, long command) {
        Decision previous = decision;
        long base = previous == null ? epochFloor : Math.max(previous.epoch(), epochFloor);
        Decision next = new Decision(addresses[target].toString(), base + 1, s.instanceId(), s.wallClock().get(), why,
                previous == null ? "" : previous.history());
        op = new ProposeOp(target, reason, why, detectedAt, command, previous, next);
        op.begin();
    }

    private Route routeFor(Decision d) {
        if (d == null || refusedWhy != null) {
            return Route.NONE;
        }
        int i = indexOf(d.server());
        SwitchPolicy.View v = views[i];
        return new Route(i, d.epoch(), !stopped && barrierPassed == d.epoch() && leaseHeld() && v.state().isUp()
                && v.admin() != AdminState.MAINT);
    }

    private void publish(Route r) {
        if (!r.equals(published)) {
            published = r;
        }
        out.add(new Action.Publish(r));
    }

    private void complete(long command, RuntimeException error) {
        if (command != 0) {
            out.add(new Action.CompleteCommand(command, error));
        }
    }

    private void scheduleRetry() {
        scheduleRetryAt(now + backoff);
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
    }

    private void scheduleRetryAt(long at) {
        if (!retryScheduled || at - retryAt < 0) {
            retryAt = at;
        }
        retryScheduled = true;
    }

    private void stop() {
        stopped = true;
        if (op != null) {
            op.stopped();
        }
        op = null;
        awaiting = 0;
        publish(Route.NONE);
        out.add(new Action.FenceLocal(allServers(), "the group was stopped", -1, epoch()));
        for (Input in; (in = deferred.poll()) != null; ) {
            if (in instanceof Input.AdminSwitch a) {
                refuse(a.command(), "the group was stopped");
            } else if (in instanceof Input.AdminStateChange a) {
                refuse(a.command(), "the group was stopped");
            }
        }
    }

    // ---------------------------------------------------------------- operations in progress

    private long call(Action.Call c) {
        awaiting = c.id();
        out.add(c);
        return c.id();
    }

    private long id() {
        return nextCallId++;
    }

    /** One operation at a time: it issues calls and handles their results until it is done. */
    private abstract class Op {
        abstract void begin();

        abstract void on(Input.Result r);

        void done() {
            op = null;
        }

        /** The group stops with this operation in progress: an operator waiting for it is told. */
        void stopped() {
        }
    }

    /** Joining the store; then, with a decision, acknowledging it and waiting for the others as a switch does. */
    private final class StartOp extends Op {
        @Override
        void begin() {
            call(new Action.StoreStart(id(), local));
        }

        @Override
        void on(Input.Result r) {
            Input.StoreStarted st = (Input.StoreStarted) r;
            done();
            if (st.error() != null) {
                lastStoreError = st.error().toString();
                LOG.warn("{} cannot join the decision store {} yet ({}); retrying", log, s.store().get(), lastStoreError);
                nextTick = now + TICK_NANOS;
                return;
            }
            Decision d = st.decision();
            if (d != null && indexOf(d.server()) < 0) {
                lastStoreError = "the store's decision names " + d.server() + ", which is not one of this group's servers "
                        + s.servers() + ": another group with the same name, or a misconfigured URL";
                LOG.error("{} {}", log, lastStoreError);
                nextTick = now + TICK_NANOS;
                return;
            }
            storeStarted = true;
            if (s.leased()) {
                renewLease(st.sentAt()); // nothing is open yet: nothing to fence first
            }
            if (d != null && refusedWhy != null && s.leased()) {
                LOG.warn("{} the shared decision ({} at epoch {}) resolves the untrusted state file ({})", log, d.server(),
                        d.epoch(), refusedWhy);
                refusedWhy = null;
            }
            if (d != null && (local == null || s.leased() || d.epoch() >= local.epoch())) {
                decision = d;
                epochFloor = Math.max(epochFloor, d.epoch());
                if (!d.equals(local)) {
                    out.add(new Action.Journal(d));
                }
            } else if (local != null && !s.leased()) {
                decision = local;
            }
            local = null;
            if (decision == null) {
                reconsider("start", now, 0);
                return;
            }
            LOG.info("{} resuming the decision: {} at epoch {} (decided {} by {}: {})", log, decision.server(),
                    decision.epoch(), decision.decidedAt(),
                    decision.decidedBy().isEmpty() ? "an earlier run" : decision.decidedBy(), decision.reason());
            op = new ApplyOp(decision, SwitchReason.REMOTE, "start", now, 0, 0, true);
            op.begin();
        }
    }

    /** Asks the store to make {@code next} the decision, then applies whichever decision won. */
    private final class ProposeOp extends Op {
        final int target;
        final SwitchReason reason;
        final String why;
        final long detectedAt;
        final long command;
        final Decision previous;
        final Decision next;
        Throwable proposeError;

        ProposeOp(int target, SwitchReason reason, String why, long detectedAt, long command, Decision previous,
                  Decision next) {
            this.target = target;
            this.reason = reason;
            this.why = why;
            this.detectedAt = detectedAt;
            this.command = command;
            this.previous = previous;
            this.next = next;
        }

        @Override
        void begin() {
            publish(Route.closed(previous == null ? 0 : previous.epoch())); // nothing handed out while asking
            call(new Action.StorePropose(id(), previous == null ? 0 : previous.epoch(), next));
        }

        @Override
        void on(Input.Result r) {
            if (r instanceof Input.Proposed p) {
                if (p.error() == null) {
                    decided(p.winner(), p.sentAt());
                    return;
                }
                lastStoreError = p.error().toString();
                if (command == 0 || !s.leased()) {
                    done();
                    LOG.warn("{} cannot store the switch to {} in {} ({}); {}", log, addresses[target], s.store().get(),
                            lastStoreError, command == 0 ? "retrying" : "not switched");
                    publish(routeFor(decision));
                    complete(command, notMade("the store did not take it (" + lastStoreError
                            + "). Try again once the store answers"));
                    scheduleRetry();
                    return;
                }
                // an operator's switch: the compare-and-set may have landed although the call failed; read to tell
                proposeError = p.error();
                call(new Action.StoreRead(id()));
                return;
            }
            Input.ReadDone read = (Input.ReadDone) r;
            if (read.error() != null) {
                done();
                publish(routeFor(decision));
                complete(command, new IllegalStateException(log + ": switchTo(" + addresses[target] + "): outcome "
                        + "unknown: the store did not answer (" + proposeError + ", then " + read.error() + "); the active "
                        + "server here is " + describe(decision) + " until the store answers; check again"));
                scheduleRetry();
                return;
            }
            Decision d = read.decision();
            if (d != null && d.inHistory(next.history()).equals(next)) {
                LOG.info("{} the switch to {} was stored although the call failed ({})", log, addresses[target], proposeError);
                decided(d, read.sentAt());
            } else if (d != null && d.isNewerThan(previous) && indexOf(d.server()) >= 0) {
                decided(d, read.sentAt());
            } else {
                done();
                publish(routeFor(decision));
                complete(command, notMade("the store did not take it (" + proposeError + "). Try again once the store "
                        + "answers"));
            }
        }

        private void decided(Decision winner, long sentAt) {
            done();
            if (winner != null && winner.inHistory(next.history()).equals(next)) {
                backoff = MIN_BACKOFF_NANOS;
                apply(winner, reason, why, detectedAt, sentAt, command);
            } else if (winner != null && winner.isNewerThan(previous) && indexOf(winner.server()) >= 0) {
                LOG.info("{} another instance decided first: {} at epoch {} ({}); adopting it", log, winner.server(),
                        winner.epoch(), winner.reason());
                String notTarget = winner.server().equals(addresses[target].toString()) ? null
                        : "another instance decided first: " + winner.server() + " at epoch " + winner.epoch();
                ApplyOp adopt = new ApplyOp(winner, SwitchReason.REMOTE, winner.reason(), detectedAt, sentAt,
                        -command, false); // negative: completes with notTarget
                adopt.notTarget = command == 0 || notTarget == null ? null : notMade(notTarget);
                op = adopt;
                adopt.begin();
            } else {
                LOG.warn("{} the store refused the switch to {} (it holds {}); {}", log, addresses[target],
                        describe(winner), command == 0 ? "retrying" : "not switched");
                publish(routeFor(decision));
                complete(command, notMade("the store refused it (it holds " + describe(winner) + ")"));
                scheduleRetry();
            }
        }

        @Override
        void stopped() {
            refuse(command == 0 ? 0 : command, "the group was stopped during switchTo(" + addresses[target] + ")");
        }

        private IllegalStateException notMade(String why) {
            Decision now = decision;
            return new IllegalStateException(log + ": switchTo(" + addresses[target] + ") was not made: " + why
                    + "; the active server is " + (now == previous ? "still " : "now ") + describe(now));
        }
    }

    /** Reads the shared decision: renews the lease, or applies a newer decision first. */
    private final class ConfirmOp extends Op {
        @Override
        void begin() {
            nextConfirm = now + s.confirmEveryNanos();
            call(new Action.StoreRead(id()));
        }

        @Override
        void on(Input.Result r) {
            done();
            confirmed((Input.ReadDone) r, null);
        }
    }

    /**
     * What a confirming read means; {@code applying} is the switch in progress, if any (it has fenced locally for
     * its decision). A newer decision is applied before anything is renewed.
     */
    private void confirmed(Input.ReadDone read, ApplyOp applying) {
        if (read.error() != null) {
            lastStoreError = read.error().toString();
            return;
        }
        Decision d = read.decision();
        Decision current = applying != null ? applying.next : decision;
        if (d != null && indexOf(d.server()) < 0) {
            out.add(new Action.RevokeLease());
            leaseDeadline = now;
            lastStoreError = "the shared decision names " + d.server() + ", which is not one of this group's servers "
                    + s.servers() + " (another group with the same name, or a misconfigured URL): not followed";
            LOG.error("{} {}", log, lastStoreError);
            checkLease();
            return;
        }
        if (d == null) {
            if (current == null) {
                renewLease(read.sentAt()); // nothing decided anywhere yet: nothing to fence
                return;
            }
            lastStoreError = "the shared decision is missing from " + s.store().get() + "; not confirmed";
            LOG.warn("{} {}", log, lastStoreError);
            return;
        }
        if (current == null || d.isNewerThan(current) || d.epoch() == current.epoch() && !d.sameAs(current)) {
            if (current != null && d.epoch() == current.epoch()) {
                LOG.warn("{} the shared decision at epoch {} names {} (history {}), not {} (history {}): following the store",
                        log, d.epoch(), d.server(), d.history(), current.server(), current.history());
            } else {
                LOG.info("{} another instance switched to {} (epoch {}, decided by {}: {}); following", log, d.server(),
                        d.epoch(), d.decidedBy(), d.reason());
            }
            if (applying != null) {
                applying.abandon();
            }
            apply(d, SwitchReason.REMOTE, d.reason(), now, read.sentAt(), 0);
            return;
        }
        if (d.epoch() < current.epoch()) {
            lastStoreError = "the shared decision is at epoch " + d.epoch() + ", older than epoch " + current.epoch()
                    + " this instance follows; not confirmed";
            LOG.warn("{} {}", log, lastStoreError);
            return;
        }
        renewLease(read.sentAt());
    }

    private void apply(Decision next, SwitchReason reason, String why, long detectedAt, long renewSentAt, long command) {
        op = new ApplyOp(next, reason, why, detectedAt, renewSentAt, command, false);
        op.begin();
    }

    private enum Stage { SERVER_FENCE, ACKNOWLEDGE, CATCH_UP, BARRIER_WAIT, SERVER_FENCE_AGAIN, CLEAR_READ_ONLY, PUBLISH }

    /** The switch sequence for one decision (see the class comment); also a start's acknowledge-and-barrier. */
    private final class ApplyOp extends Op {
        final Decision next;
        final SwitchReason reason;
        final String why;
        final long detectedAt;
        final long renewSentAt;
        /** Positive: complete on success; negative: an adopted winner, complete with {@link #notTarget}. */
        final long command;
        final boolean resuming;
        final long start;
        final int target;
        final Decision previous;
        final List<Integer> toFence = new ArrayList<>();
        final List<Integer> answered = new ArrayList<>();
        final List<String> fenceNotes = new ArrayList<>();
        IllegalStateException notTarget;
        List<Integer> fenced = List.of();
        String fenceWhy = "";
        boolean allReadOnly;
        Stage stage;
        int fenceIndex;
        long barrierUntil;
        /**
         * Whether a read of the acknowledgements answered: only then is the longest lease of the fleet known. Until
         * then the barrier cannot run out, whatever this instance's own lease: an instance with a longer one may still
         * be sending to the server left.
         */
        boolean leasesKnown;
        long nextPoll;
        boolean barrierComplete;
        boolean confirming;
        int evictedServers;

        ApplyOp(Decision next, SwitchReason reason, String why, long detectedAt, long renewSentAt, long command,
                boolean resuming) {
            this.next = next;
            this.reason = reason;
            this.why = why;
            this.detectedAt = detectedAt;
            this.renewSentAt = renewSentAt;
            this.command = command;
            this.resuming = resuming;
            this.start = now;
            this.target = indexOf(next.server());
            this.previous = decision;
        }

        @Override
        void begin() {
            publish(Route.closed(next.epoch()));
            if (resuming) {
                stage = s.leased() ? Stage.ACKNOWLEDGE : Stage.PUBLISH;
                advance();
                return;
            }
            // the hold-down is for disagreement: another instance decided for a server this one already sees down.
            // A server up here when applied that fails later is a failure like any other (one host lost: the
            // decider and the primary die together), and is left at once.
            followingRemote = reason == SwitchReason.REMOTE && !views[target].state().isUp();
            remoteAppliedAt = now;
            holdDownLogged = false;
            decision = next;
            epochFloor = Math.max(epochFloor, next.epoch());
            abandoned.remove(target);
            if (previous != null && indexOf(previous.server()) != target) {
                abandoned.add(indexOf(previous.server()));
            }
            List<Integer> others = new ArrayList<>();
            for (int i = 0; i < addresses.length; i++) {
                if (i != target) {
                    others.add(i);
                }
            }
            // an instance that missed epochs (cut off while the group went A -> B -> A) may still hold connections
            // to the target from before it was abandoned, never fenced here: those go too
            boolean missedEpochs = previous != null && next.epoch() > previous.epoch() + 1;
            fenced = missedEpochs ? allServers() : others;
            fenceWhy = "switch to " + addresses[target] + ": " + why
                    + (missedEpochs ? " (epochs " + (previous.epoch() + 1) + "-" + (next.epoch() - 1) + " were missed here)" : "");
            out.add(new Action.Emit(new SwitchStartingEvent(s.group(), previous == null ? null
                    : addresses[indexOf(previous.server())], addresses[target], next.epoch(), reason, why)));
            if (s.serverFence() && previous != null) { // a first decision abandons nothing
                toFence.addAll(others);
            }
            if (planned()) {
                // an operator's switch or a failback: what is in flight may finish first (the lease is not renewed
                // meanwhile: a drain longer than what is left of it ends in the lease's own fence)
                call(new Action.Drain(id(), fenced, fenceWhy, target, next.epoch(), s.drainNanos()));
                return;
            }
            fenceLocally();
        }

        /** An operator's switch or a failback, here or (read from the shared store) by another instance. */
        private boolean planned() {
            if (s.drainNanos() <= 0 || previous == null || indexOf(previous.server()) == target) {
                return false;
            }
            return reason == SwitchReason.ADMIN || reason == SwitchReason.FAILBACK || reason == SwitchReason.REMOTE
                    && (next.reason().startsWith(ADMIN_REASON) || next.reason().startsWith(FAILBACK_REASON));
        }

        private void fenceLocally() {
            out.add(new Action.FenceLocal(fenced, fenceWhy, target, next.epoch()));
            if (renewSentAt != 0 && s.leased()) {
                renewLease(renewSentAt); // only now: nothing here reaches a server the decision left
            }
            out.add(new Action.Journal(next));
            stage = Stage.SERVER_FENCE;
            advance();
        }

        /** Runs stages until one needs a call or a wait. */
        void advance() {
            while (op == this && awaiting == 0) {
                switch (stage) {
                    case SERVER_FENCE -> {
                        if (fenceIndex < toFence.size()) {
                            int i = toFence.get(fenceIndex++);
                            call(new Action.FenceAtServer(id(), i, "switch to " + addresses[target] + " (epoch "
                                    + next.epoch() + "): " + why, s.fenceReadOnly(), notAnsweringHere(i)));
                            return;
                        }
                        allReadOnly = s.fenceReadOnly() && !toFence.isEmpty() && answered.size() == addresses.length - 1
                                && readOnlyCount == answered.size();
                        stage = s.leased() ? Stage.ACKNOWLEDGE : Stage.CATCH_UP;
                    }
                    case ACKNOWLEDGE -> {
                        call(new Action.StoreAcknowledge(id(), next.epoch()));
                        return;
                    }
                    case CATCH_UP -> {
                        stage = Stage.BARRIER_WAIT;
                        if (!resuming && previous != null && s.catchUp() && indexOf(previous.server()) != target) {
                            call(new Action.CatchUp(id(), indexOf(previous.server()), target, next.epoch()));
                            return;
                        }
                    }
                    case BARRIER_WAIT -> {
                        if (!s.leased() || allReadOnly) {
                            barrierComplete = true;
                            stage = s.fenceReadOnly() && !resuming ? Stage.CLEAR_READ_ONLY : Stage.PUBLISH;
                            continue;
                        }
                        barrierUntil = start + s.leaseNanos() + s.marginNanos(s.leaseNanos());
                        call(new Action.StoreAcknowledgements(id(), next.epoch()));
                        return;
                    }
                    case SERVER_FENCE_AGAIN -> {
                        if (fenceIndex < toFence.size()) {
                            int i = toFence.get(fenceIndex++);
                            call(new Action.FenceAtServer(id(), i, "after the barrier for epoch " + next.epoch()
                                    + ": what a silent instance sent before its lease ran out", false,
                                    !views[i].state().isUp()));
                            return;
                        }
                        stage = s.fenceReadOnly() ? Stage.CLEAR_READ_ONLY : Stage.PUBLISH;
                    }
                    case CLEAR_READ_ONLY -> {
                        stage = Stage.PUBLISH;
                        call(new Action.ClearReadOnly(id(), target, next.epoch()));
                        return;
                    }
                    case PUBLISH -> {
                        finish();
                        return;
                    }
                }
            }
        }

        int readOnlyCount;

        @Override
        void on(Input.Result r) {
            if (r instanceof Input.Drained d) {
                if (d.busy() > 0) {
                    fenceNotes.add(d.busy() + " connection" + (d.busy() == 1 ? "" : "s") + " still busy after the drain ("
                            + TimeUnit.NANOSECONDS.toMillis(s.drainNanos()) + " ms): aborted");
                }
                fenceLocally();
                return;
            }
            if (r instanceof Input.ServerFenced f) {
                ServerFenceOutcome o = f.outcome();
                int server = toFence.get(fenceIndex - 1);
                if (stage == Stage.SERVER_FENCE && o.answered()) {
                    answered.add(server);
                    if (o.readOnly()) {
                        readOnlyCount++;
                    }
                }
                if (stage == Stage.SERVER_FENCE) {
                    fenceNotes.add(addresses[server] + " " + o.detail());
                }
                if (stage == Stage.SERVER_FENCE_AGAIN && o.killed() > 0) {
                    fenceNotes.add(addresses[server] + " again after the barrier: " + o.detail());
                }
            } else if (r instanceof Input.Acknowledged a) {
                if (a.error() != null) {
                    LOG.warn("{} cannot acknowledge epoch {} in {} ({})", log, next.epoch(), s.store().get(), a.error().toString());
                }
                stage = resuming ? Stage.BARRIER_WAIT : Stage.CATCH_UP;
            } else if (r instanceof Input.CaughtUp) {
                stage = Stage.BARRIER_WAIT;
            } else if (r instanceof Input.AcknowledgementsRead acks) {
                barrier(acks);
                return;
            } else if (r instanceof Input.ReadDone read) {
                confirming = false;
                confirmed(read, this);
                if (op != this) {
                    return; // a newer decision replaced this switch
                }
                nextPoll = now; // go on with the barrier
                awaitingPoll = true;
                return;
            } else if (r instanceof Input.ReadOnlyCleared c) {
                if (!c.cleared()) {
                    LOG.warn("{} {} could not be made writable again ({}): writes there fail until an operator sets "
                            + "read_only=OFF", log, addresses[target], c.detail());
                    fenceNotes.add(addresses[target] + " still read-only: " + c.detail());
                }
            }
            advance();
        }

        private void barrier(Input.AcknowledgementsRead r) {
            if (r.error() == null && r.acknowledgements().complete()) {
                barrierComplete = true;
                afterBarrier();
                return;
            }
            if (r.error() == null) {
                Acknowledgements a = r.acknowledgements();
                long longest = Math.max(s.leaseNanos(), a.longestLease().toNanos());
                barrierUntil = Math.max(barrierUntil, start + longest + s.marginNanos(longest));
                leasesKnown = true;
            } else {
                lastStoreError = r.error().toString();
            }
            if (leasesKnown && now - barrierUntil >= 0) {
                LOG.warn("{} not every instance acknowledged epoch {} within the longest lease ({}); the silent ones have "
                        + "stopped sending by now, going on", log, next.epoch(),
                        r.error() == null ? String.join(", ", r.acknowledgements().waitingFor()) : lastStoreError);
                afterBarrier();
                return;
            }
            nextPoll = now + BARRIER_POLL_NANOS;
            stage = Stage.BARRIER_WAIT;
            awaitingPoll = true;
        }

        boolean awaitingPoll;

        /** Called when woken during the barrier: confirm the decision when due, else read the acknowledgements again. */
        void poll() {
            if (!awaitingPoll || now - nextPoll < 0) {
                return;
            }
            if (s.leased() && (hintPending || now - nextConfirm >= 0)) {
                hintPending = false;
                nextConfirm = now + s.confirmEveryNanos();
                confirming = true;
                awaitingPoll = false;
                call(new Action.StoreRead(id()));
                return;
            }
            awaitingPoll = false;
            call(new Action.StoreAcknowledgements(id(), next.epoch()));
        }

        private void afterBarrier() {
            awaitingPoll = false;
            fenceIndex = 0;
            // after a run-out, a server the first fence could not reach is tried again too: a silent instance's long
            // statement may still run there, and it may answer now (a login bounded short where the probes say down)
            stage = barrierComplete || toFence.isEmpty() ? (s.fenceReadOnly() && !resuming ? Stage.CLEAR_READ_ONLY
                    : Stage.PUBLISH) : Stage.SERVER_FENCE_AGAIN;
            advance();
        }

        @Override
        void stopped() {
            if (command != 0) {
                refuse(Math.abs(command), "the group was stopped during the switch to " + addresses[target]);
            }
        }

        void abandon() {
            LOG.info("{} the switch to {} at epoch {} is overtaken by a newer decision", log, addresses[target], next.epoch());
            if (command > 0) {
                out.add(new Action.CompleteCommand(command, new IllegalStateException(log + ": switchTo("
                        + addresses[target] + "): overtaken by a newer decision of another instance; see the log")));
            }
            op = null;
        }

        private void finish() {
            done();
            barrierPassed = next.epoch();
            Route route = routeFor(next);
            publish(route);
            if (resuming) {
                reconsider("start", now, 0);
                return;
            }
            Duration took = Duration.ofNanos(now - start);
            String fenced = fenceNotes.isEmpty() ? "" : "; at the server: " + String.join("; ", fenceNotes);
            LOG.info("{} switched {} -> {} (epoch {}) in {} ms{}: {}", log, previous == null ? "(none)"
                    : previous.server(), addresses[target], next.epoch(), took.toMillis(), fenced, why);
            out.add(new Action.Emit(new SwitchEvent(s.group(), previous == null ? null
                    : addresses[indexOf(previous.server())], addresses[target], next.epoch(), why + fenced, took, -1,
                    reason, Duration.ofNanos(Math.max(0, now - detectedAt)))));
            if (command > 0) {
                out.add(new Action.CompleteCommand(command, null));
            } else if (command < 0) {
                out.add(new Action.CompleteCommand(-command, notTarget));
            }
            if (!route.usable()) {
                reconsider("the decided server is unusable here", now, 0); // M1, M3: never wait for an unrelated event
            }
        }
    }

    /** A server the group left is up again: kill what of the application's survived there (a partition healed). */
    private final class ReturnFenceOp extends Op {
        final int server;

        ReturnFenceOp(int server) {
            this.server = server;
        }

        @Override
        void begin() {
            call(new Action.FenceAtServer(id(), server, addresses[server] + " is up again and is not the active server "
                    + (decision == null ? "" : decision.server()), false, false));
        }

        @Override
        void on(Input.Result r) {
            done();
            ServerFenceOutcome o = ((Input.ServerFenced) r).outcome();
            if (o.killed() > 0) {
                LOG.warn("{} {} is up again: {} (sessions of the application's accounts that outlived the switch away "
                        + "from it)", log, addresses[server], o.detail());
            }
        }
    }

    private boolean mayFenceReturning(int server) {
        // only with a confirmed decision that leaves it: an instance that lost its lease may act on an old decision
        return s.serverFence() && decision != null && abandoned.contains(server) && server != indexOf(decision.server())
                && leaseHeld() && views[server].state() != ServerState.DOWN;
    }

    /** The core's state, for diagnostics. */
    @Override
    public String toString() {
        return "SwitchCore[" + s.group() + " decision=" + describe(decision) + " op=" + (op == null ? "none"
                : op.getClass().getSimpleName() + (op instanceof ApplyOp a ? "/" + a.stage + (a.awaitingPoll ? "/poll@"
                + a.nextPoll : "") : "")) + " awaiting=" + awaiting + " storeStarted=" + storeStarted + " lease="
                + (leaseLost ? "lost" : "until " + leaseDeadline) + " nextConfirm=" + nextConfirm + " retry="
                + (retryScheduled ? retryAt : "none") + " tick=" + nextTick + " now=" + now + " deferred=" + deferred.size()
                + "]";
    }

    // ---------------------------------------------------------------- helpers

    private long epoch() {
        return decision == null ? 0 : decision.epoch();
    }

    private int activeIndex() {
        return decision == null ? -1 : indexOf(decision.server());
    }

    private List<Integer> allServers() {
        List<Integer> all = new ArrayList<>(addresses.length);
        for (int i = 0; i < addresses.length; i++) {
            all.add(i);
        }
        return all;
    }

    int indexOf(String server) {
        for (int i = 0; i < addresses.length; i++) {
            if (addresses[i].toString().equals(server)) {
                return i;
            }
        }
        return -1;
    }

    private static String describe(Decision d) {
        return d == null ? "none" : d.server() + " (epoch " + d.epoch() + ")";
    }

    /**
     * Whether this instance's probes of server {@code i} are failing or it is down: then a fence login there gets the
     * short budget. A server another instance left and whose probes fail here too is hung or cut off far more often
     * than it answers in the next few hundred ms; if it does answer later, it is fenced at its first answer (GOING_UP)
     * and, until then, by the leases. A healthy server answers a login in a few ms, well within the short budget.
     */
    private boolean notAnsweringHere(int i) {
        return views[i].state() != ServerState.UP;
    }
}
