package dev.stickyfail.internal.decider.sim;

import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.FailbackPolicy;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.internal.decider.Action;
import dev.stickyfail.internal.decider.CoreSettings;
import dev.stickyfail.internal.decider.Input;
import dev.stickyfail.internal.decider.Route;
import dev.stickyfail.internal.decider.ServerFenceOutcome;
import dev.stickyfail.internal.decider.SwitchCore;
import dev.stickyfail.internal.health.Health;
import dev.stickyfail.probe.ProbeOutcome;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * A deterministic simulation of several application instances sharing one decision over two or three servers, in the
 * spirit of FoundationDB's: the real {@link SwitchCore} and the real {@link Health} state machine run against a
 * virtual clock, a simulated linearizable store, simulated servers (sessions, statements that run and commit, locks
 * modelled as long statements, kills, freezes) and a simulated network (partitions between any instance and any
 * server or the store, slow calls), with faults from a {@link Schedule}. Invariants are checked at every event.
 * The same seed and schedule give the same run.
 */
final class Sim {

    static final long MS = 1_000_000L;
    static final long SECOND = 1_000 * MS;
    private static final int TRACE_KEPT = 400;
    /** {@code -Dsim.verbose=true}: every input and the actions it gave, printed as the run goes (to study one seed). */
    private static final boolean VERBOSE = Boolean.getBoolean("sim.verbose");

    final Random rnd;
    final Schedule schedule;
    private long now;
    private long seq;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    final List<Server> servers = new ArrayList<>();
    final List<Instance> instances = new ArrayList<>();
    final SimStore store;
    private final Deque<String> trace = new ArrayDeque<>();
    final List<String> violations = new ArrayList<>();
    final List<String> limits = new ArrayList<>();
    private final Map<Integer, Long> maxSentEpoch = new HashMap<>();
    private final Map<Integer, Long> maxCommittedEpoch = new HashMap<>();
    private static final long MAX_EVENTS = 3_000_000;
    long events;
    private long statementIds;
    private long sessionIds;
    long commits;
    long lastFaultHealedAt;

    private record Event(long at, long seq, String what, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    Sim(long seed, Schedule schedule) {
        this.rnd = new Random(seed);
        this.schedule = schedule;
        this.store = new SimStore(this);
        for (int i = 0; i < schedule.servers(); i++) {
            servers.add(new Server(i, new ServerAddress("10.0.0." + (i + 1), 3306)));
        }
        for (int i = 0; i < schedule.instances(); i++) {
            instances.add(new Instance(i, schedule.leaseMillis().get(i) * MS));
        }
    }

    long now() {
        return now;
    }

    Instant wallClock() {
        return Instant.ofEpochSecond(1_800_000_000L).plusNanos(now);
    }

    void trace(String line) {
        trace.addLast(String.format("%9.3f %s", now / 1e6, line));
        if (VERBOSE) {
            System.out.println(trace.peekLast());
        }
        if (trace.size() > TRACE_KEPT) {
            trace.removeFirst();
        }
    }

    String traceTail() {
        return String.join("\n", trace);
    }

    void at(long time, String what, Runnable action) {
        queue.add(new Event(Math.max(time, now), seq++, what, action));
    }

    /** Runs the schedule, then lets everything settle, checking every invariant at every event. */
    void run() {
        for (Instance in : instances) {
            at(rnd.nextInt(200) * MS, "start " + in.id, in::start);
        }
        for (Schedule.Fault f : schedule.faults()) {
            at(f.atMillis() * MS, f.toString(), () -> apply(f));
        }
        long end = schedule.endMillis() * MS;
        lastFaultHealedAt = schedule.healedMillis() * MS;
        while (!queue.isEmpty() && queue.peek().at <= end && violations.isEmpty()) {
            Event e = queue.poll();
            now = e.at;
            e.action.run();
            checkEverySend();
            if (++events > MAX_EVENTS) {
                StringBuilder cores = new StringBuilder();
                for (Instance in : instances) {
                    cores.append("\n  ").append(in.id).append(in.paused ? " (paused) " : " ").append(in.core);
                }
                violation("runaway: over " + MAX_EVENTS + " events by " + now / MS + " ms; last: " + e.what + cores);
            }
        }
        if (violations.isEmpty()) {
            now = end;
            checkLiveness();
        }
    }

    // ---------------------------------------------------------------- faults

    private void apply(Schedule.Fault f) {
        trace("FAULT " + f);
        switch (f.kind()) {
            case KILL_SERVER -> servers.get(f.target()).kill();
            case RESTART_SERVER -> servers.get(f.target()).restart();
            case FREEZE_SERVER -> servers.get(f.target()).freeze();
            case THAW_SERVER -> servers.get(f.target()).thaw();
            case CUT_INSTANCE_FROM_SERVER -> instances.get(f.instance()).cutFrom.add(f.target());
            case HEAL_INSTANCE_FROM_SERVER -> instances.get(f.instance()).cutFrom.remove(f.target());
            case CUT_INSTANCE_FROM_STORE -> instances.get(f.instance()).storeCut = true;
            case HEAL_INSTANCE_FROM_STORE -> instances.get(f.instance()).storeCut = false;
            case SLOW_STORE -> instances.get(f.instance()).storeDelay = f.durationMillis() * MS;
            case PAUSE_INSTANCE -> instances.get(f.instance()).pause(f.durationMillis() * MS);
            case RESTART_INSTANCE -> instances.get(f.instance()).restart();
            case WIPE_STORE -> store.wipe();
            case ADMIN_SWITCH -> instances.get(f.instance()).adminSwitch(f.target());
        }
    }

    // ---------------------------------------------------------------- invariants

    /** No two instances can send to different servers at the same instant. */
    private void checkEverySend() {
        Set<Integer> sendable = new HashSet<>();
        List<String> who = new ArrayList<>();
        for (Instance in : instances) {
            for (int s : in.canSendTo()) {
                sendable.add(s);
                who.add(in.id + "->" + servers.get(s).address);
            }
        }
        if (sendable.size() > 1) {
            violation("two servers can take writes at once: " + who);
        }
    }

    /** A statement sent to {@code server} at {@code epoch}: no statement may go to a server left behind after a newer one. */
    void sent(Instance from, int server, long epoch) {
        if (servers.get(server).readOnly) {
            return; // refused there: it cannot commit
        }
        for (Map.Entry<Integer, Long> e : maxSentEpoch.entrySet()) {
            if (e.getKey() != server && e.getValue() >= epoch && !activeAgainSince(server, e.getValue())) {
                violation(from.id + " sent to " + servers.get(server).address + " at " + show(epoch) + " after a send to "
                        + servers.get(e.getKey()).address + " at " + show(e.getValue()));
            }
        }
        maxSentEpoch.merge(server, epoch, Math::max);
        // what the old servers still run must have been killed by whoever could reach them
        for (Server s : servers) {
            if (s.index == server) {
                continue;
            }
            for (Statement st : s.executing.values()) {
                if (st.epoch < epoch && !st.bufferedWhileFrozen) { // what a hung server had received: the known limit
                    if (from.reaches(s.index) && s.fenceMissedAt < st.arrivedAt) {
                        violation(from.id + " sends to " + servers.get(server).address + " at epoch " + epoch + " while "
                                + s.address + " still runs " + st + ", and " + from.id + " can reach it: not fenced");
                    } else {
                        st.unreachableByNewer = true;
                    }
                }
            }
        }
    }

    /**
     * Whether {@code server} was decided again at an epoch after {@code epoch}: then a stale instance's write there
     * goes to a server the group came back to (it could happen only once that server was made writable again, after
     * its catch-up); whether it goes there while another server takes writes is what the other invariants check.
     */
    private boolean activeAgainSince(int server, long epoch) {
        for (Decision d : store.history()) {
            if (order(d) > epoch && d.server().equals(servers.get(server).address.toString())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decisions in the order they were made: by history (a census after a wipe starts a new one, after every lease of
     * the old one ran out), then by epoch. Printed as {@code h<history>/<epoch>} by {@link #show}.
     */
    static long order(Decision d) {
        if (d == null) {
            return 0;
        }
        String h = d.history(); // "<generation>.<random>": a census starts a higher generation
        int dot = h.indexOf('.');
        long era = dot > 0 ? Long.parseLong(h.substring(0, dot)) : 0;
        return era * 1_000_000L + d.epoch();
    }

    static String show(long order) {
        return "h" + order / 1_000_000L + "/" + order % 1_000_000L;
    }

    /** No statement commits on a server after a newer epoch committed on another, but for the documented limits. */
    void committed(Server s, Statement st) {
        commits++;
        for (Map.Entry<Integer, Long> e : maxCommittedEpoch.entrySet()) {
            if (e.getKey() != s.index && e.getValue() >= st.epoch && !activeAgainSince(s.index, e.getValue())) {
                String what = st + " committed on " + s.address + " after a commit on " + servers.get(e.getKey()).address
                        + " at " + show(e.getValue());
                if (st.bufferedWhileFrozen) {
                    limits.add(what + ": it was in flight to a hung server (its caller is told 08007)");
                } else if (st.unreachableByNewer) {
                    limits.add(what + ": no instance that switched could reach that server to kill it");
                } else {
                    violation(what);
                }
            }
        }
        maxCommittedEpoch.merge(s.index, st.epoch, Math::max);
    }

    private void checkLiveness() {
        long bound = lastFaultHealedAt + schedule.livenessBoundMillis() * MS;
        if (now < bound) {
            return;
        }
        for (Instance in : instances) {
            // routing now, or lately: a store answer lost now and then may lapse a short lease for a moment
            if (!in.routedWithin(3 * in.leaseNanos + 2 * SECOND)) {
                violation(in.id + " does not route at " + now / MS + " ms, " + schedule.livenessBoundMillis()
                        + " ms after every fault healed (route " + in.route + ", lease until " + in.leaseDeadline / MS
                        + " ms, decision " + (in.core == null ? null : in.core.decision()) + ")");
            }
        }
    }

    void violation(String what) {
        trace("VIOLATION " + what);
        violations.add(what);
    }

    // ---------------------------------------------------------------- servers

    final class Statement {
        final long id = ++statementIds;
        final Instance from;
        final long session;
        final long epoch;
        final long sentAt;
        final long duration;
        boolean bufferedWhileFrozen;
        boolean unreachableByNewer;
        long arrivedAt = -1;

        Statement(Instance from, long session, long epoch, long duration) {
            this.from = from;
            this.session = session;
            this.epoch = epoch;
            this.sentAt = now;
            this.duration = duration;
        }

        @Override
        public String toString() {
            return "statement " + id + " of " + from.id + " (" + show(epoch) + ", sent at " + sentAt / MS + " ms, "
                    + duration / MS + " ms long)";
        }
    }

    final class Server {
        final int index;
        final ServerAddress address;
        boolean running = true;
        long fenceMissedAt = -1;
        boolean frozen;
        boolean readOnly;
        /** Sessions of the application's account, by id. */
        final Set<Long> sessions = new HashSet<>();
        final Map<Long, Statement> executing = new HashMap<>();
        final List<Statement> buffered = new ArrayList<>();

        Server(int index, ServerAddress address) {
            this.index = index;
            this.address = address;
        }

        boolean answers() {
            return running && !frozen;
        }

        long open() {
            long id = ++sessionIds;
            sessions.add(id);
            return id;
        }

        void arrive(Statement st) {
            if (!running || !sessions.contains(st.session)) {
                return;
            }
            if (frozen) {
                st.bufferedWhileFrozen = true;
                buffered.add(st);
                return;
            }
            if (readOnly) {
                return; // refused: nothing commits
            }
            executing.put(st.id, st);
            st.arrivedAt = now;
            at(now + st.duration, "commit " + st.id, () -> {
                if (!executing.containsKey(st.id)) {
                    return; // killed, or the server died
                }
                if (frozen) {
                    executing.remove(st.id); // it finishes when the server wakes
                    st.bufferedWhileFrozen = true;
                    buffered.add(st);
                    return;
                }
                executing.remove(st.id);
                committed(this, st);
            });
        }

        /** The client closed the session: the server notices; what runs goes on (MySQL does not stop it). */
        void disconnect(long session) {
            sessions.remove(session);
        }

        /** KILL CONNECTION of every application session: what runs on them is rolled back. */
        int killAll() {
            int n = sessions.size();
            sessions.clear();
            executing.clear();
            return n;
        }

        void kill() {
            running = false;
            sessions.clear();
            executing.clear();
            buffered.clear();
        }

        void restart() {
            running = true;
            frozen = false;
        }

        void freeze() {
            frozen = true;
        }

        void thaw() {
            frozen = false;
            List<Statement> woke = new ArrayList<>(buffered);
            buffered.clear();
            // what ran when it froze, and what it had received since, runs now: the documented limit (08007)
            for (Statement st : executing.values()) {
                st.bufferedWhileFrozen = true;
            }
            for (Statement st : woke) {
                arrive(st);
            }
        }
    }

    // ---------------------------------------------------------------- instances

    final class Instance {
        final int index;
        final String id;
        final long leaseNanos;
        SwitchCore core;
        DecisionStore storeView;
        int incarnation;
        Route route = Route.NONE;
        long lastRoutedAt = -1;
        long leaseDeadline;
        Decision stateFile;
        long lastEpoch;
        boolean paused;
        long pausedUntil;
        final Deque<Runnable> heldWhilePaused = new ArrayDeque<>();
        final Set<Integer> cutFrom = new HashSet<>();
        boolean storeCut;
        long storeDelay;
        long nextWake = Long.MAX_VALUE;
        Health[] health;
        final List<Connection> connections = new ArrayList<>();
        long commandIds;

        final class Connection {
            final int server;
            final long session;
            final long epoch;
            boolean marked;

            Connection(int server, long session, long epoch) {
                this.server = server;
                this.session = session;
                this.epoch = epoch;
            }
        }

        Instance(int index, long leaseNanos) {
            this.index = index;
            this.id = "i" + index;
            this.leaseNanos = leaseNanos;
        }

        boolean reaches(int server) {
            return !cutFrom.contains(server) && servers.get(server).answers();
        }

        /** Servers this instance could write to right now (or the moment it resumes). */
        List<Integer> canSendTo() {
            List<Integer> out = new ArrayList<>();
            if (core == null || now - leaseDeadline >= 0) {
                return out;
            }
            if (route.usable() && !servers.get(route.index()).readOnly) {
                out.add(route.index());
            }
            for (Connection c : connections) {
                if (!c.marked && !out.contains(c.server) && !servers.get(c.server).readOnly) {
                    out.add(c.server);
                }
            }
            return out;
        }

        boolean routedWithin(long window) {
            boolean now = route.usable() && Sim.this.now - leaseDeadline < 0;
            return now || lastRoutedAt >= 0 && Sim.this.now - lastRoutedAt <= window;
        }

        /** Runs {@code r} now, or when this instance resumes. */
        void run(String what, Runnable r) {
            if (paused) {
                heldWhilePaused.add(r);
            } else {
                r.run();
            }
        }

        void start() {
            int inc = incarnation;
            health = new Health[servers.size()];
            for (int i = 0; i < health.length; i++) {
                health[i] = Health.initial();
            }
            CoreSettings s = new CoreSettings("sim", serverNames(), id + "#" + inc, leaseNanos,
                    schedule.failbackPrimaryUp() ? FailbackPolicy.PRIMARY_UP : FailbackPolicy.NEVER, true, true,
                    schedule.serverFence(), schedule.fenceReadOnly(), Math.min(leaseNanos / 4, 250 * MS),
                    Math.max(3 * leaseNanos, 10 * SECOND), 2 * SECOND, () -> "sim store", Sim.this::wallClock);
            core = new SwitchCore(s, addresses(), stateFile, 0, null);
            storeView = store.forInstance(id + "#" + inc, leaseNanos, new Random(rnd.nextLong()));
            lastEpoch = order(stateFile);
            trace(id + " starts" + (stateFile == null ? "" : " from its state file: " + stateFile.server() + " at epoch "
                    + stateFile.epoch()));
            input(new Input.Start());
            for (int i = 0; i < servers.size(); i++) {
                int server = i;
                at(now + rnd.nextInt(50) * MS, "probe", () -> probe(server, inc));
            }
            at(now + rnd.nextInt(20) * MS, "app", () -> app(inc));
        }

        void restart() {
            trace(id + " restarts");
            incarnation++; // whatever the old process had scheduled dies with it, a pending start included
            int inc = incarnation;
            for (Connection c : connections) {
                if (!c.marked && !cutFrom.contains(c.server)) {
                    servers.get(c.server).disconnect(c.session);
                }
            }
            connections.clear();
            route = Route.NONE;
            leaseDeadline = 0;
            core = null;
            nextWake = Long.MAX_VALUE;
            heldWhilePaused.clear();
            paused = false;
            if (storeView != null && stillRunsSomewhere()) {
                // the runtime leaves only when nothing it sent can still run (it knows less, so it stays more often)
                trace(id + " stays in the instance table: a statement of its still runs");
                storeView.closeWithoutLeaving();
            } else if (storeView != null) {
                storeView.close();
            }
            at(now + 200 * MS, "start " + id, () -> {
                if (inc == incarnation) {
                    start();
                }
            });
        }

        private boolean stillRunsSomewhere() {
            for (Server s : servers) {
                for (Statement st : s.executing.values()) {
                    if (st.from == this) {
                        return true;
                    }
                }
                for (Statement st : s.buffered) {
                    if (st.from == this) {
                        return true;
                    }
                }
            }
            return false;
        }

        void pause(long duration) {
            paused = true;
            pausedUntil = Math.max(pausedUntil, now + duration);
            long until = pausedUntil;
            at(until, "resume " + id, () -> {
                if (!paused || pausedUntil != until) {
                    return; // paused again meanwhile, for longer
                }
                paused = false;
                trace(id + " resumes");
                while (!heldWhilePaused.isEmpty() && !paused) {
                    heldWhilePaused.poll().run();
                }
            });
        }

        void adminSwitch(int target) {
            if (core != null) {
                input(new Input.AdminSwitch(++commandIds, target));
            }
        }

        // ---- the core

        void input(Input in) {
            int inc = incarnation;
            run("input", () -> {
                if (inc != incarnation || core == null) {
                    return;
                }
                List<Action> actions = core.step(in, now);
                if (VERBOSE) {
                    trace(id + " <- " + in + " -> " + actions);
                }
                for (Action a : actions) {
                    perform(a, inc);
                }
                if (core.decision() != null) {
                    long epoch = order(core.decision());
                    if (epoch < lastEpoch) {
                        violation(id + " went from " + show(lastEpoch) + " back to " + show(epoch));
                    }
                    lastEpoch = Math.max(lastEpoch, epoch);
                }
                long wake = core.nextWakeAt();
                if (wake != nextWake || wake <= now) {
                    nextWake = wake;
                    at(Math.max(wake, now + 1), "wake " + id, () -> {
                        if (nextWake == wake) {
                            nextWake = Long.MAX_VALUE;
                            input(new Input.Tick());
                        }
                    });
                }
            });
        }

        private void perform(Action a, int inc) {
            if (a instanceof Action.Publish p) {
                if (!p.route().equals(route)) {
                    trace(id + " route " + p.route());
                }
                if (route.usable() && !p.route().usable()) {
                    lastRoutedAt = now;
                }
                route = p.route();
            } else if (a instanceof Action.RenewLease r) {
                leaseDeadline = Math.max(leaseDeadline, r.sentAt() + leaseNanos);
                long deadline = leaseDeadline;
                at(deadline, "lease cut " + id, () -> {
                    if (inc == incarnation && now - leaseDeadline >= 0) {
                        markAll(connections);
                    }
                });
            } else if (a instanceof Action.RevokeLease) {
                leaseDeadline = now;
            } else if (a instanceof Action.FenceLocal f) {
                List<Connection> hit = new ArrayList<>();
                for (Connection c : connections) {
                    if (f.servers().contains(c.server)) {
                        hit.add(c);
                    }
                }
                markAll(hit);
            } else if (a instanceof Action.Journal j) {
                stateFile = j.decision();
            } else if (a instanceof Action.Call c) {
                call(c, inc);
            }
        }

        private void markAll(List<Connection> which) {
            for (Connection c : which) {
                if (!c.marked) {
                    c.marked = true;
                    if (!cutFrom.contains(c.server) && servers.get(c.server).running && !servers.get(c.server).frozen) {
                        int server = c.server;
                        long session = c.session;
                        at(now + MS, "disconnect", () -> servers.get(server).disconnect(session));
                    }
                }
            }
            connections.removeIf(c -> c.marked);
        }

        private void call(Action.Call c, int inc) {
            long sent = now;
            if (c instanceof Action.FenceAtServer f) {
                at(now + (2 + rnd.nextInt(20)) * MS, "server fence", () -> {
                    Server s = servers.get(f.server());
                    ServerFenceOutcome o;
                    if (!reaches(f.server())) {
                        s.fenceMissedAt = now; // what it runs now survives this switch: the documented limit
                    }
                    if (reaches(f.server())) {
                        int killed = s.killAll();
                        if (f.readOnly()) {
                            s.readOnly = true;
                        }
                        o = new ServerFenceOutcome(true, killed, 0, f.readOnly(), "killed " + killed);
                        trace(id + " fences " + s.address + " at the server: killed " + killed
                                + (f.readOnly() ? ", read-only" : ""));
                    } else {
                        o = ServerFenceOutcome.notAnswering("unreachable");
                    }
                    result(new Input.ServerFenced(c.id(), o), inc);
                });
                return;
            }
            if (c instanceof Action.ClearReadOnly r) {
                at(now + 3 * MS, "clear read-only", () -> {
                    // under the server's fence lock: cleared only while the shared decision is still that epoch
                    Decision d = store.decision();
                    boolean current = d != null && d.epoch() == r.epoch()
                            && d.server().equals(servers.get(r.server()).address.toString());
                    boolean ok = reaches(r.server()) && current && !storeCut;
                    if (ok) {
                        servers.get(r.server()).readOnly = false;
                        trace(id + " clears read-only on " + servers.get(r.server()).address);
                    }
                    result(new Input.ReadOnlyCleared(c.id(), ok, ok ? "" : current ? "unreachable" : "stale"), inc);
                });
                return;
            }
            if (c instanceof Action.Drain d) {
                // transactions in flight end within the bound; connections go as they become idle, the rest at its end
                at(now + rnd.nextInt((int) (d.timeoutNanos() / MS) + 1) * MS, "drained", () -> {
                    if (inc != incarnation) {
                        return;
                    }
                    List<Connection> hit = new ArrayList<>();
                    for (Connection k : connections) {
                        if (d.servers().contains(k.server)) {
                            hit.add(k);
                        }
                    }
                    markAll(hit);
                    result(new Input.Drained(c.id(), 0), inc);
                });
                return;
            }
            if (c instanceof Action.CatchUp) {
                at(now + rnd.nextInt(30) * MS, "catch-up", () -> result(new Input.CaughtUp(c.id()), inc));
                return;
            }
            // the store
            long timeout = Math.min(leaseNanos / 3, 2 * SECOND);
            if (storeCut) {
                at(now + timeout, "store timeout", () -> result(failed(c, sent, "store unreachable"), inc));
                return;
            }
            long latency = storeDelay + (1 + rnd.nextInt(3)) * MS;
            boolean losesAnswer = latency > timeout || rnd.nextInt(100) < schedule.lostAnswerPercent();
            at(now + Math.min(latency, timeout) / 2, "store op", () -> {
                if (inc != incarnation) {
                    return;
                }
                Input answer;
                try {
                    answer = storeCall(c, sent);
                } catch (Exception e) {
                    answer = failed(c, sent, e.toString());
                }
                Input delivered = losesAnswer ? failed(c, sent, "no answer in time") : answer;
                at(now + Math.min(latency, timeout) / 2 + (losesAnswer ? timeout / 2 : 0), "store answer",
                        () -> result(delivered, inc));
            });
        }

        private Input storeCall(Action.Call c, long sent) throws Exception {
            if (c instanceof Action.StoreStart s) {
                return new Input.StoreStarted(c.id(), storeView.start(s.local()), null, sent);
            } else if (c instanceof Action.StorePropose p) {
                return new Input.Proposed(c.id(), storeView.propose(p.expectedEpoch(), p.next()), null, sent);
            } else if (c instanceof Action.StoreRead) {
                return new Input.ReadDone(c.id(), storeView.read(), null, sent);
            } else if (c instanceof Action.StoreAcknowledge a) {
                storeView.acknowledge(a.epoch());
                return new Input.Acknowledged(c.id(), null);
            } else if (c instanceof Action.StoreAcknowledgements a) {
                return new Input.AcknowledgementsRead(c.id(), storeView.acknowledgements(a.epoch()), null);
            }
            throw new IllegalStateException(c.toString());
        }

        private Input failed(Action.Call c, long sent, String why) {
            Exception e = new java.sql.SQLTransientConnectionException(why, "08001");
            if (c instanceof Action.StoreStart) {
                return new Input.StoreStarted(c.id(), null, e, sent);
            } else if (c instanceof Action.StorePropose) {
                return new Input.Proposed(c.id(), null, e, sent);
            } else if (c instanceof Action.StoreRead) {
                return new Input.ReadDone(c.id(), null, e, sent);
            } else if (c instanceof Action.StoreAcknowledge) {
                return new Input.Acknowledged(c.id(), e);
            }
            return new Input.AcknowledgementsRead(c.id(), null, e);
        }

        private void result(Input r, int inc) {
            if (inc == incarnation) {
                input(r);
            }
        }

        // ---- probes: the real rise/fall state machine, fed what this instance can see

        private void probe(int server, int inc) {
            if (inc != incarnation) {
                return;
            }
            run("probe", () -> {
                if (inc != incarnation) {
                    return;
                }
                Server s = servers.get(server);
                ProbeOutcome outcome = cutFrom.contains(server) || s.frozen ? ProbeOutcome.FAIL
                        : !s.running ? ProbeOutcome.REFUSED : ProbeOutcome.PASS;
                Health before = health[server];
                Health after = before.next(outcome, 2, 3);
                health[server] = after;
                if (after.state() != before.state()) {
                    input(new Input.HealthChanged(server, before.state(), after.state(), outcome.name(), now));
                }
                ServerState st = after.state();
                long next = st == ServerState.UP ? 500 : st == ServerState.DOWN ? 1000 : 100;
                // a probe that times out takes its timeout first
                long took = outcome == ProbeOutcome.FAIL ? 300 : 1;
                at(now + (next + took) * MS, "probe", () -> probe(server, inc));
            });
        }

        // ---- the application: a statement every 20 ms, on a pooled connection or a new one

        private void app(int inc) {
            if (inc != incarnation) {
                return;
            }
            run("app", () -> {
                if (inc != incarnation) {
                    return;
                }
                send();
                at(now + 50 * MS, "app", () -> app(inc));
            });
        }

        private void send() {
            if (now - leaseDeadline >= 0) {
                return; // the statement path checks the lease
            }
            Connection c = null;
            for (Connection k : connections) {
                if (!k.marked && rnd.nextInt(4) != 0) {
                    c = k;
                    break;
                }
            }
            if (c == null) {
                if (!route.usable()) {
                    return;
                }
                Server s = servers.get(route.index());
                if (cutFrom.contains(route.index()) || !s.answers()) {
                    return; // the connection attempt fails
                }
                c = new Connection(route.index(), s.open(), order(core.decision()));
                connections.add(c);
                if (connections.size() > 8) {
                    Connection old = connections.remove(0);
                    s.disconnect(old.session);
                }
            }
            long duration = rnd.nextInt(100) < schedule.longStatementPercent() ? (50 + rnd.nextInt(1500)) * MS
                    : (1 + rnd.nextInt(4)) * MS;
            Statement st = new Statement(this, c.session, c.epoch, duration);
            sent(this, c.server, c.epoch);
            if (cutFrom.contains(c.server)) {
                return; // lost on the way
            }
            Server s = servers.get(c.server);
            at(now + MS, "arrive " + st.id, () -> s.arrive(st));
        }
    }

    List<String> serverNames() {
        List<String> names = new ArrayList<>();
        for (Server s : servers) {
            names.add(s.address.toString());
        }
        return names;
    }

    private ServerAddress[] addresses() {
        ServerAddress[] a = new ServerAddress[servers.size()];
        for (Server s : servers) {
            a[s.index] = s.address;
        }
        return a;
    }
}
