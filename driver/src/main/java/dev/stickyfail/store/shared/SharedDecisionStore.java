package dev.stickyfail.store.shared;

import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import static dev.stickyfail.store.Decision.generation;

/**
 * A group's decision shared by every application instance, over two linearizable {@link Register}s: one holds the
 * decision, the other the instance table (who is there, with which lease, what each acknowledged). Pure protocol: one
 * call is a few register operations, it never sleeps, waits or starts a thread, and it reads time only from
 * {@link StoreContext#nanoClock()}. Anything that must wait is answered with an {@link SQLTransientConnectionException}
 * saying what it waits for and for how long, and the caller asks again.
 *
 * <h2>What it guarantees (see {@link DecisionStore})</h2>
 * <ul>
 *   <li><b>Every lease holder is counted.</b> {@link #start}, {@link #read} and {@link #propose} answer only once this
 *       instance's entry is in the table (registered again first if a wipe or an expiry removed it; the decision is
 *       then read again, after the registration). Heartbeats ride on those calls, at most every third of the lease.
 *       An entry expires after {@value #EXPIRY_LEASES} of its own leases without a heartbeat, on the observer's clock:
 *       an instance that holds a lease has heartbeaten within two leases, so it is never expired.</li>
 *   <li><b>A lost table is "membership unknown".</b> The table names its incarnation; an observer that sees it missing
 *       or created again counts nobody as acknowledged until it has watched the new incarnation for one longest lease
 *       (plus a margin): an instance missing from it has not renewed its lease since, so its lease has run out by
 *       then. Whoever sees that first marks the table settled, so that instances started later need not wait.</li>
 *   <li><b>Leases differ.</b> Each entry carries its instance's lease; {@link #acknowledgements} reports the longest
 *       among the live entries (and, while membership is unknown, the longest this instance saw before).</li>
 *   <li><b>A lost decision is never silently replaced by an older one.</b> When the decision register is empty (a CP
 *       reset, every member restarted, or a group that never had one), every call runs the census: each instance puts
 *       into its table entry the decision it last saw (or its state file's, or nothing), and the register is seeded
 *       once every instance this one knew before has offered, or once one longest lease plus a margin has passed
 *       since this instance first saw the register empty (counted again from the moment it sees the instance table
 *       created again: a window slept through in a pause says nothing of a loss that came after it). The seed names
 *       the server of the newest offer (highest history generation, then epoch), at an epoch above every offer, in a
 *       new history: every instance applies it as a switch. With no offer at all, the register is set to "no decision
 *       yet" in a new history, and the first proposal makes the first decision. Until the seed, calls throw.</li>
 *   <li><b>Histories.</b> A history is created whenever the decision register is filled from nothing. The store stamps
 *       the shared history on what it stores. At {@link #start}, a state file's decision from another history is not
 *       trusted for its epoch: the shared decision wins.</li>
 *   <li><b>Fail closed on foreign text.</b> A register holding something that is not a stickyfail decision or
 *       instance table is reported ({@code 08001}) and never overwritten.</li>
 * </ul>
 *
 * <p>The group calls it from one thread at a time; its methods are synchronized all the same, except {@link #close()},
 * which may come from another thread while a call is stuck in a register operation.
 */
public final class SharedDecisionStore implements DecisionStore {

    private static final Logger LOG = LoggerFactory.getLogger(SharedDecisionStore.class);
    /** Leases of silence after which an instance's entry is removed by whoever notices. */
    public static final int EXPIRY_LEASES = 3;
    /** A heartbeat is due after a third of the lease. */
    static final int HEARTBEATS_PER_LEASE = 3;
    private static final int MAX_ROUNDS = 8;
    /** The decision register's content when its history has no decision yet. */
    static final String NO_DECISION = "stickyfail-decision/none|";
    private static final int REMEMBERED_EPOCHS = 32;

    private final StoreContext context;
    private final Register decisions;
    private final Register instances;
    private final HintPublisher hints;
    private final RandomGenerator random;
    private final LongSupplier clock;
    private final String log;
    private final String id;
    private final long leaseMillis;
    private final long leaseNanos;

    // ---- what this instance knows of the decision register
    /** The last decision read from or written to the register; null when none (yet, or in this history). */
    private Decision current;
    /** Exactly what the register held when {@link #current} was read. */
    private String currentRaw;
    /** The history of the register's content; null until something was read. */
    private String history;
    /** Which history each recent epoch this store answered belongs to, for acknowledgements. */
    private final Map<Long, String> historyOfEpoch = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > REMEMBERED_EPOCHS;
        }
    };
    /** This instance's state file decision, offered in a census while nothing shared has been seen. */
    private Decision local;
    /** When this instance first saw the decision register empty (the census window); null while it is not. */
    private Long missingSince;
    /** The live instances of the last table read while the decision was present: who a census waits for. */
    private Set<String> lastMembers = Set.of();

    // ---- this instance's entry
    private long heartbeat;
    private boolean registered;
    private long lastBeatSent;
    private long ackedEpoch;
    private String ackedHistory = "";

    // ---- what this instance observes of the table
    private InstanceTable table;
    private String incarnation;
    private long incarnationSince;
    private long rememberedLeaseMillis;
    private final Map<String, Seen> seen = new HashMap<>();

    /** When this observer first saw an instance's current heartbeat value. */
    private record Seen(long heartbeat, long sinceNanos) {
    }

    /** The table after making sure this instance is in it, and whether it had to be added in this call. */
    private record Membership(InstanceTable table, boolean added) {
    }

    /**
     * @param context   the group; its lease must be positive and its clock is the only one used
     * @param decisions the register holding the decision
     * @param instances the register holding the instance table; lost together with {@code decisions} or on its own
     */
    public SharedDecisionStore(StoreContext context, Register decisions, Register instances) {
        this(context, decisions, instances, HintPublisher.NONE, RandomGenerator.of("L64X128MixRandom"));
    }

    /**
     * @param hints  told after every change this instance makes to the decision register
     * @param random history and incarnation ids and the heartbeat counter's start (a simulation passes a seeded one)
     */
    public SharedDecisionStore(StoreContext context, Register decisions, Register instances, HintPublisher hints,
                               RandomGenerator random) {
        this.context = Objects.requireNonNull(context, "context");
        this.decisions = Objects.requireNonNull(decisions, "decisions");
        this.instances = Objects.requireNonNull(instances, "instances");
        this.hints = Objects.requireNonNull(hints, "hints");
        this.random = Objects.requireNonNull(random, "random");
        if (context.lease().isNegative() || context.lease().isZero()) {
            throw new IllegalArgumentException("a shared decision needs a positive stickyfail.lease, was " + context.lease());
        }
        this.clock = context.nanoClock();
        this.log = "stickyfail[" + context.group() + "]";
        this.id = context.instanceId();
        this.leaseMillis = Math.max(1, context.lease().toMillis());
        this.leaseNanos = context.lease().toNanos();
        // never repeats a value an observer may remember from this id's earlier run
        this.heartbeat = random.nextLong(1L << 61);
    }

    /**
     * Prepares two empty registers as a group that has no decision yet and no instance: "no decision yet" in
     * {@code history}, and a settled, empty instance table. Instances then start at once, without a census. Only for
     * a group no instance has used (tests, benchmarks, the initial state of a simulation): on registers that lost a
     * group's state it would skip exactly the waits that keep a wipe safe.
     *
     * @return whether both registers were empty and are now prepared
     */
    public static boolean initialize(Register decisions, Register instances, String history) throws SQLException {
        if (history == null || history.isEmpty()) {
            throw new IllegalArgumentException("a history id is needed, e.g. 1.test");
        }
        return instances.compareAndSet(null, InstanceTable.create("initial").asSettled().encode())
                & decisions.compareAndSet(null, NO_DECISION + history);
    }

    // ------------------------------------------------------------------------------------------------ the SPI

    /**
     * Registers this instance, then reads the shared decision. {@code local} (the state file's) raises the shared one
     * only within the same history; from another history it is not trusted for its epoch and the shared decision
     * wins. With the register empty, {@code local} is this instance's offer to the census (see the class comment).
     *
     * @return the shared decision, or {@code null} when its history has none yet
     * @throws SQLTransientConnectionException while a census waits for offers (ask again), or the registers cannot
     *                                         be reached
     */
    @Override
    public synchronized Decision start(Decision local) throws SQLException {
        if (local != null) {
            check(local, "this instance's state file");
        }
        this.local = local;
        Decision shared = sync();
        if (local == null) {
            return shared;
        }
        if (shared == null) {
            LOG.info("{} the state file's decision (epoch {} on {}) is not used: the shared decision was created afresh "
                    + "(history {}) without it", log, local.epoch(), local.server(), history);
            return null;
        }
        if (!local.history().equals(shared.history())) {
            LOG.info("{} the state file's decision (epoch {} on {}, history '{}') is from another history than the shared "
                            + "one (epoch {} on {}, history '{}'): not trusted for its epoch; following the shared one", log,
                    local.epoch(), local.server(), local.history(), shared.epoch(), shared.server(), shared.history());
            return shared;
        }
        if (local.epoch() == shared.epoch() && !local.equals(shared)) {
            LOG.warn("{} the state file and the shared decision both have epoch {} of history '{}' but differ ({} against "
                    + "{}); following the shared one", log, local.epoch(), local.history(), local.server(), shared.server());
        }
        if (local.epoch() <= shared.epoch()) {
            return shared;
        }
        // Same history, the file ahead: only files and values without a history (written before histories existed)
        // can get here, since a history's register only grows.
        String mine = local.encode();
        if (decisions.compareAndSet(currentRaw, mine)) {
            LOG.info("{} raised the shared decision from epoch {} to this instance's state file: epoch {} on {}", log,
                    shared.epoch(), local.epoch(), local.server());
            return won(local, mine);
        }
        return sync();
    }

    /**
     * Compare-and-set by epoch: stores {@code next}, stamped with the shared history, if and only if the shared
     * decision's epoch is {@code expectedEpoch} and {@code next} does not come from another history (an empty history
     * is stamped). When the shared register holds "no decision yet", any proposal makes the first decision of its
     * history. Safe to retry.
     *
     * @return {@code next.inHistory(h)} (h the shared history) when it won, so a caller recognises its own proposal
     *         with {@code winner.inHistory(next.history()).equals(next)}; otherwise the decision that is stored (the
     *         winner, possibly at the same epoch with other content, or in another history)
     * @throws SQLTransientConnectionException while a census waits for offers, or when the outcome is unknown (read
     *                                         again before concluding anything)
     */
    @Override
    public synchronized Decision propose(long expectedEpoch, Decision next) throws SQLException {
        if (next.epoch() <= expectedEpoch) {
            throw new IllegalArgumentException("a proposed decision must have a higher epoch than " + expectedEpoch
                    + ", was " + next.epoch());
        }
        check(next, "the proposed decision");
        String raw = decisions.get();
        Membership m = ensureMember(raw == null);
        if (m.added()) {
            raw = decisions.get();
        }
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (raw == null) {
                m = ensureMember(true);
                seed(m.table());
                raw = decisions.get();
                continue;
            }
            if (stampedAgain(raw)) {
                raw = decisions.get();
                continue;
            }
            String stampHistory;
            Decision stored = null;
            if (raw.startsWith(NO_DECISION)) {
                interpret(raw);
                stampHistory = history;
            } else {
                stored = interpret(raw);
                stampHistory = stored.history();
            }
            Decision stamped = next.inHistory(stampHistory);
            String mine = stamped.encode();
            if (mine.equals(raw)) {
                return won(stamped, mine);
            }
            if (stored != null && stored.epoch() != expectedEpoch) {
                return stored; // another instance won this epoch, or a later one
            }
            if (stored != null && !next.history().isEmpty() && !next.history().equals(stored.history())) {
                LOG.info("{} a proposal for epoch {} from history '{}' loses to the shared decision of history '{}' (epoch "
                        + "{} on {})", log, next.epoch(), next.history(), stored.history(), stored.epoch(), stored.server());
                return stored;
            }
            try {
                if (decisions.compareAndSet(raw, mine)) {
                    return won(stamped, mine);
                }
                raw = decisions.get();
            } catch (SQLException e) {
                // Outcome unknown: what the register holds now tells whether it landed; if it lands later, the next
                // round's compare-and-set fails and the read after it finds it.
                String after;
                try {
                    after = decisions.get();
                } catch (SQLException again) {
                    again.addSuppressed(e);
                    throw again;
                }
                if (mine.equals(after)) {
                    return won(stamped, mine);
                }
                raw = after;
            }
        }
        throw new SQLTransientConnectionException(log + " " + describe() + ": the decision kept changing while epoch "
                + expectedEpoch + " was expected; gave up after " + MAX_ROUNDS + " rounds", "08001");
    }

    /**
     * The shared decision, once this instance is in the instance table (heartbeat included when due).
     *
     * @return the decision, or {@code null} only when the shared history has no decision yet (never while one is in
     *         force: a lost one is a census, which throws)
     */
    @Override
    public synchronized Decision read() throws SQLException {
        return sync();
    }

    /**
     * Records that this instance fenced every server but the one of {@code epoch}, in the history this store answered
     * that epoch in (an epoch it never answered is not recorded: nothing is acknowledged on a guess).
     */
    @Override
    public synchronized void acknowledge(long epoch) throws SQLException {
        String h = historyOfEpoch.get(epoch);
        if (h == null) {
            LOG.debug("{} not acknowledging epoch {}: this store never answered it", log, epoch);
            return;
        }
        if (!h.equals(ackedHistory) || epoch > ackedEpoch) {
            ackedHistory = h;
            ackedEpoch = epoch;
        }
        ensureMember(missingSince != null);
    }

    /**
     * Whether every other live instance in the table acknowledged {@code epoch} (of the history this store answered it
     * in), and the longest lease among them and this instance. Never complete while membership is unknown (the table
     * is missing, or was created again less than one longest lease plus a margin ago), nor for an epoch this store
     * never answered. Removes instances that have expired.
     */
    @Override
    public synchronized Acknowledgements acknowledgements(long epoch) throws SQLException {
        String h = historyOfEpoch.get(epoch);
        String raw = instances.get();
        long now = now();
        if (raw == null || InstanceTable.isEarlierFormat(raw)) {
            return new Acknowledgements(false, Duration.ofMillis(Math.max(leaseMillis, rememberedLeaseMillis)),
                    List.of("membership unknown: the instance table is missing (lost with the CP state?) or was written "
                            + "by an earlier stickyfail version"));
        }
        InstanceTable t = decodeTable(raw);
        noteTable(t, now);
        List<String> waiting = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        long longest = leaseMillis;
        for (InstanceTable.Entry e : t.all()) {
            if (e.id().equals(id)) {
                continue;
            }
            if (expired(e, now)) {
                expired.add(e.id());
                continue;
            }
            longest = Math.max(longest, e.leaseMillis());
            if (h == null || !e.acknowledged(epoch, h)) {
                waiting.add(e.id());
            }
        }
        boolean known = t.settled() || now - incarnationSince >= windowNanos(t);
        if (!known) {
            longest = Math.max(longest, rememberedLeaseMillis);
            waiting.add(0, "membership unknown: the instance table was created again " + millis(now - incarnationSince)
                    + " ms ago; every lease holder is in it after another " + millis(windowNanos(t) - (now - incarnationSince))
                    + " ms");
        }
        if (h == null) {
            waiting.add(0, "epoch " + epoch + " was never answered by this store");
        }
        if (!expired.isEmpty() || (!t.settled() && known)) {
            tidy(raw, t, expired, known);
        }
        return new Acknowledgements(waiting.isEmpty(), Duration.ofMillis(longest), waiting);
    }

    @Override
    public Duration lease() {
        return context.lease();
    }

    @Override
    public String describe() {
        return "shared decision in " + decisions.name() + ", instances in " + instances.name();
    }

    /**
     * Stays in the table: the others wait for this instance's lease, as for a crashed one, until its entry expires
     * ({@value #EXPIRY_LEASES} leases without a heartbeat). Nothing to release.
     */
    @Override
    public void closeWithoutLeaving() {
        LOG.info("{} stays in the shared instance table while statements it sent may still run: a switch in the next "
                + "{} leases waits out its lease", log, EXPIRY_LEASES);
    }

    /** Removes this instance from the table, best effort (a few register operations): the others need not wait for it. */
    @Override
    public void close() {
        try {
            for (int round = 0; round < 3; round++) {
                String raw = instances.get();
                if (raw == null) {
                    return;
                }
                InstanceTable t = InstanceTable.decode(raw);
                if (t.get(id) == null || instances.compareAndSet(raw, t.without(List.of(id)).encode())) {
                    return;
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.info("{} could not remove this instance from the shared instance table ({}); the others expire it after "
                    + "{} leases", log, e.getMessage(), EXPIRY_LEASES);
        }
    }

    // ------------------------------------------------------------------------------------------------ the decision

    /** Reads the decision with this instance in the table; a census while the register is empty. */
    private Decision sync() throws SQLException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String raw = decisions.get();
            Membership m = ensureMember(raw == null);
            if (m.added()) {
                // registered just now: the answer must come from a read made while registered
                String again = decisions.get();
                if (again == null && raw != null) {
                    m = ensureMember(true);
                }
                raw = again;
            }
            if (raw == null) {
                seed(m.table());
                continue;
            }
            if (stampedAgain(raw)) {
                continue;
            }
            return interpret(raw);
        }
        throw new SQLTransientConnectionException(log + " " + describe() + ": the decision register kept changing; "
                + "gave up after " + MAX_ROUNDS + " rounds", "08001");
    }

    /**
     * The register's content as this instance now knows it: a decision, or null for "no decision yet" (its history
     * noted).
     */
    private Decision interpret(String raw) throws SQLException {
        missingSince = null;
        if (raw.startsWith(NO_DECISION)) {
            String h = raw.substring(NO_DECISION.length());
            if (h.isEmpty()) {
                throw foreign(decisions, raw, "an empty history");
            }
            if (!h.equals(history)) {
                LOG.info("{} the shared decision register starts history {} with no decision yet", log, h);
            }
            current = null;
            currentRaw = raw;
            history = h;
            return null;
        }
        Decision d;
        try {
            d = Decision.decode(raw);
        } catch (IllegalArgumentException e) {
            throw foreign(decisions, raw, e.getMessage());
        }
        check(d, "the shared decision in " + decisions.name());
        if (current != null && d.history().equals(current.history()) && d.epoch() < current.epoch()) {
            // Cannot happen with a linearizable register and this protocol: a second writer, or a register that lost
            // writes without losing its value. Following it could route back; refusing keeps every instance closed.
            throw new SQLTransientConnectionException(log + " the shared decision went back from epoch " + current.epoch()
                    + " to epoch " + d.epoch() + " within history '" + d.history() + "' in " + decisions.name()
                    + ": something else writes there (an older stickyfail version?); refusing to follow it", "08001");
        }
        if (current != null && !d.history().equals(current.history())) {
            LOG.warn("{} the shared decision is now epoch {} on {} in history {} (was epoch {} on {} in history '{}'): "
                            + "it was lost and seeded again", log, d.epoch(), d.server(), d.history(), current.epoch(),
                    current.server(), current.history());
        }
        current = d;
        currentRaw = raw;
        history = d.history();
        remember(d);
        return d;
    }

    /**
     * Stamps the register's decision again, same server, in a history numbered above this instance's and at an epoch
     * above both, when this instance has seen a later history than the register's: the register was lost and seeded
     * again by a census this instance was absent from (cut off until its lease ran out), numbered from what the seeding
     * instance knew. The register's server is in force (every lease of the lost history ran out before that seed);
     * following it as it is would take this instance back in the order of decisions, and refusing it would leave this
     * instance closed for good.
     *
     * @return whether the register changed (stamped here, or by someone else meanwhile): read it again
     */
    private boolean stampedAgain(String raw) throws SQLException {
        if (current == null || raw.startsWith(NO_DECISION)) {
            return false;
        }
        Decision d;
        try {
            d = Decision.decode(raw);
        } catch (IllegalArgumentException e) {
            return false; // interpret() reports it
        }
        long mine = generation(current.history());
        if (generation(d.history()) >= mine || !context.servers().contains(d.server())) {
            return false;
        }
        String fresh = freshHistory(mine);
        Decision again = new Decision(d.server(), Math.max(d.epoch(), current.epoch()) + 1, id, Instant.now(),
                "the shared decision (epoch " + d.epoch() + " on " + d.server() + ", history " + d.history()
                        + ") stamped again above history " + current.history() + ", which it was seeded without", fresh);
        if (decisions.compareAndSet(raw, again.encode())) {
            LOG.warn("{} the shared decision in {} is from history {}, older than history {} this instance followed "
                            + "(the register was seeded again without it): stamped it again as epoch {} on {} in history {}",
                    log, decisions.name(), d.history(), current.history(), again.epoch(), again.server(), fresh);
            hints.decisionChanged(again.epoch());
        }
        return true;
    }

    /** A new history, numbered one above {@code generation}. */
    private String freshHistory(long generation) {
        return (generation + 1) + "." + hex(random.nextLong()) + hex(random.nextLong()).substring(8);
    }

    private Decision won(Decision stamped, String encoded) {
        current = stamped;
        currentRaw = encoded;
        history = stamped.history();
        missingSince = null;
        remember(stamped);
        hints.decisionChanged(stamped.epoch());
        return stamped;
    }

    private void remember(Decision d) {
        historyOfEpoch.remove(d.epoch());
        historyOfEpoch.put(d.epoch(), d.history());
    }

    /**
     * The census, with the decision register empty: seeds it when this instance may, else throws saying what it waits
     * for. {@code t} holds this instance's offer. Returns normally after writing (or losing the race to) a seed.
     */
    private void seed(InstanceTable t) throws SQLException {
        long now = now();
        List<InstanceTable.Entry> offers = new ArrayList<>();
        for (InstanceTable.Entry e : t.all()) {
            if (e.offered() && !expired(e, now)) {
                offers.add(e);
            }
        }
        Set<String> missing = new HashSet<>(lastMembers);
        offers.forEach(e -> missing.remove(e.id()));
        long window = windowNanos(t);
        long waited = now - missingSince;
        if (waited < window && (lastMembers.isEmpty() || !missing.isEmpty())) {
            throw new SQLTransientConnectionException(log + " the shared decision is missing from " + decisions.name()
                    + " (a CP reset, every member restarted, or a new group): waiting for the instances' offers for up to "
                    + "another " + millis(window - waited) + " ms (one longest lease plus a margin) before seeding it; "
                    + "offers so far: " + describeOffers(offers)
                    + (missing.isEmpty() ? "" : "; not yet from " + new java.util.TreeSet<>(missing)), "08001");
        }
        List<Decision> candidates = new ArrayList<>();
        long generation = Math.max(generation(history), local == null ? 0 : generation(local.history()));
        for (InstanceTable.Entry e : offers) {
            if (e.offer().isEmpty()) {
                continue;
            }
            try {
                Decision d = Decision.decode(e.offer());
                if (context.servers().contains(d.server())) {
                    candidates.add(d);
                    generation = Math.max(generation, generation(d.history()));
                } else {
                    LOG.warn("{} ignoring {}'s offer for the census: it names {}, not one of {}", log, e.id(), d.server(),
                            context.servers());
                }
            } catch (IllegalArgumentException ex) {
                LOG.warn("{} ignoring {}'s offer for the census: {}", log, e.id(), ex.getMessage());
            }
        }
        String fresh = freshHistory(generation);
        String text;
        long epoch;
        if (candidates.isEmpty()) {
            text = NO_DECISION + fresh;
            epoch = 0;
        } else {
            Decision best = candidates.stream().max(Comparator.comparingLong((Decision d) -> generation(d.history()))
                    .thenComparingLong(Decision::epoch).thenComparing(Decision::history)).orElseThrow();
            long top = candidates.stream().mapToLong(Decision::epoch).max().orElseThrow();
            Decision seed = new Decision(best.server(), top + 1, id, Instant.now(), "the shared decision was lost and "
                    + "seeded again from the highest of " + candidates.size() + " offer(s): epoch " + best.epoch() + " on "
                    + best.server() + (best.decidedBy().isEmpty() ? "" : " decided by " + best.decidedBy()), fresh);
            text = seed.encode();
            epoch = seed.epoch();
        }
        if (decisions.compareAndSet(null, text)) {
            LOG.warn("{} seeded the shared decision after {} ms: {} ({} offer(s): {})", log, millis(waited),
                    epoch == 0 ? "no decision yet, history " + fresh : "epoch " + epoch + " on "
                            + Decision.decode(text).server() + ", history " + fresh, offers.size(), describeOffers(offers));
            hints.decisionChanged(epoch);
        }
    }

    private void check(Decision d, String where) throws SQLException {
        if (!context.servers().contains(d.server())) {
            throw new SQLNonTransientConnectionException(log + " " + where + " names server " + d.server() + " (epoch "
                    + d.epoch() + ", decided by " + d.decidedBy() + "), which is not one of this group's servers "
                    + context.servers() + "; refusing to follow it: another application's group of the same name, or a "
                    + "URL that differs between instances", "08001");
        }
    }

    /** What this instance offers to a census: what it last saw shared, else its state file's decision, else nothing. */
    private String offer() {
        if (current != null) {
            return current.encode();
        }
        if (history != null || local == null) {
            return "";
        }
        return local.encode();
    }

    // ------------------------------------------------------------------------------------------------ the table

    /**
     * Makes sure this instance's entry is in the table (with its lease, acknowledgement and, when {@code offering},
     * its census offer), writing it when missing, changed or due for a heartbeat. A few rounds at most.
     */
    private Membership ensureMember(boolean offering) throws SQLException {
        if (offering && missingSince == null) {
            missingSince = now(); // before the table is read: the census waits for the instances known until now
            LOG.warn("{} the shared decision register {} is empty (a CP reset, every member restarted, or a new group): "
                    + "running the census before anything is decided", log, decisions.name());
        }
        String wanted = offering ? offer() : null;
        InstanceTable t = null;
        long now = now();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String raw = instances.get();
            now = now();
            t = raw == null || InstanceTable.isEarlierFormat(raw) ? null : decodeTable(raw);
            InstanceTable.Entry mine = null;
            boolean settle = false;
            if (t != null) {
                noteTable(t, now);
                mine = t.get(id);
                settle = !t.settled() && now - incarnationSince >= windowNanos(t);
            }
            boolean write = mine == null || !registered || now - lastBeatSent >= leaseNanos / HEARTBEATS_PER_LEASE
                    || !Objects.equals(mine.offer(), wanted) || mine.ackedEpoch() != ackedEpoch
                    || !mine.ackedHistory().equals(ackedHistory) || mine.leaseMillis() != leaseMillis || settle;
            if (!write) {
                return new Membership(t, false);
            }
            InstanceTable base = t != null ? t : InstanceTable.create(hex(random.nextLong()));
            // a new value at every attempt: one that failed may still land later, and must not look like this one
            InstanceTable next = base.with(new InstanceTable.Entry(id, leaseMillis, ++heartbeat, ackedEpoch,
                    ackedHistory, wanted));
            if (settle) {
                next = next.asSettled();
            }
            long sent = now();
            if (instances.compareAndSet(raw, next.encode())) {
                lastBeatSent = sent;
                registered = true;
                if (t == null) {
                    LOG.info("{} created the instance table {} (incarnation {}): membership is unknown for one longest "
                            + "lease", log, instances.name(), next.incarnation());
                }
                noteTable(next, sent);
                table = next;
                return new Membership(next, mine == null);
            }
        }
        InstanceTable.Entry mine = t == null ? null : t.get(id);
        if (mine == null || now - lastBeatSent > leaseNanos) {
            throw new SQLTransientConnectionException(log + " " + describe() + ": the instance table kept changing; this "
                    + "instance could not " + (mine == null ? "register in it" : "heartbeat in it for a lease")
                    + " within " + MAX_ROUNDS + " rounds", "08001");
        }
        return new Membership(t, false);
    }

    /** Notes a table read: a new incarnation starts a new membership window; heartbeats seen are timed. */
    private void noteTable(InstanceTable t, long now) {
        if (!t.incarnation().equals(incarnation)) {
            if (incarnation != null) {
                long previous = 0;
                if (table != null) {
                    for (InstanceTable.Entry e : table.all()) {
                        previous = Math.max(previous, e.leaseMillis());
                    }
                }
                rememberedLeaseMillis = Math.max(previous, leaseMillis);
                LOG.warn("{} the instance table {} was created again (incarnation {}, was {}): membership is unknown "
                        + "until it is settled", log, instances.name(), t.incarnation(), incarnation);
            }
            boolean lostAgain = incarnation != null && missingSince != null;
            incarnation = t.incarnation();
            incarnationSince = now;
            seen.clear();
            if (lostAgain) {
                // The registers were lost (again) since this census began: a window this instance watched before
                // (or slept through, paused) says nothing of who holds a lease now, and its peers have not yet offered
                // what they decided since. It starts again, waiting also for the instances in the new table.
                missingSince = now;
                if (!lastMembers.isEmpty()) {
                    Set<String> members = new HashSet<>(lastMembers);
                    members.addAll(liveIds(t, now));
                    lastMembers = members;
                }
            }
        }
        table = t;
        seen.keySet().retainAll(idsOf(t));
        for (InstanceTable.Entry e : t.all()) {
            Seen s = seen.get(e.id());
            if (s == null || s.heartbeat() != e.heartbeat()) {
                seen.put(e.id(), new Seen(e.heartbeat(), now));
            }
        }
        if (missingSince == null) {
            lastMembers = liveIds(t, now);
        }
    }

    private boolean expired(InstanceTable.Entry e, long now) {
        if (e.id().equals(id)) {
            return false;
        }
        Seen s = seen.get(e.id());
        return s != null && now - s.sinceNanos() > TimeUnit.MILLISECONDS.toNanos(e.leaseMillis()) * EXPIRY_LEASES;
    }

    /** Removes expired entries (those whose heartbeat still has not moved) and marks the table settled; one attempt. */
    private void tidy(String raw, InstanceTable t, List<String> expired, boolean settle) {
        List<String> still = new ArrayList<>();
        for (String x : expired) {
            InstanceTable.Entry e = t.get(x);
            Seen s = seen.get(x);
            if (e != null && s != null && s.heartbeat() == e.heartbeat()) {
                still.add(x);
            }
        }
        InstanceTable next = t.without(still);
        if (settle) {
            next = next.asSettled();
        }
        try {
            if (instances.compareAndSet(raw, next.encode())) {
                table = next;
                if (!still.isEmpty()) {
                    LOG.info("{} removed instance(s) {} from the shared instance table: no heartbeat for {} of their "
                            + "leases", log, still, EXPIRY_LEASES);
                }
            }
        } catch (SQLException e) {
            LOG.debug("{} tidying the instance table: {}", log, e.toString());
        }
    }

    private InstanceTable decodeTable(String raw) throws SQLException {
        try {
            return InstanceTable.decode(raw);
        } catch (IllegalArgumentException e) {
            throw foreign(instances, raw, e.getMessage());
        }
    }

    /** One longest lease (the entries', this instance's, and the longest it remembers) plus the margin. */
    private long windowNanos(InstanceTable t) {
        long longest = Math.max(leaseMillis, rememberedLeaseMillis);
        for (InstanceTable.Entry e : t.all()) {
            longest = Math.max(longest, e.leaseMillis());
        }
        long nanos = TimeUnit.MILLISECONDS.toNanos(longest);
        return nanos + margin(nanos);
    }

    /** The decider's margin for clock rates: a tenth of the lease, at least 200 ms. */
    static long margin(long leaseNanos) {
        return Math.max(leaseNanos / 10, TimeUnit.MILLISECONDS.toNanos(200));
    }

    private Set<String> liveIds(InstanceTable t, long now) {
        Set<String> ids = new HashSet<>();
        for (InstanceTable.Entry e : t.all()) {
            if (!expired(e, now)) {
                ids.add(e.id());
            }
        }
        return Set.copyOf(ids);
    }

    private static Set<String> idsOf(InstanceTable t) {
        Set<String> ids = new HashSet<>();
        t.all().forEach(e -> ids.add(e.id()));
        return ids;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private SQLException foreign(Register r, String raw, String problem) {
        return new SQLNonTransientConnectionException(log + " " + r.name() + " holds something that is not what "
                + "stickyfail writes there (" + problem + "); refusing to use or overwrite it: another program, or "
                + "another stickyfail version, uses the same name (give the group another stickyfail.group, or remove "
                + "the value)", "08001");
    }

    private static String describeOffers(List<InstanceTable.Entry> offers) {
        if (offers.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (InstanceTable.Entry e : offers) {
            String what;
            if (e.offer().isEmpty()) {
                what = "nothing";
            } else {
                try {
                    Decision d = Decision.decode(e.offer());
                    what = "epoch " + d.epoch() + " on " + d.server();
                } catch (IllegalArgumentException ex) {
                    what = "unreadable";
                }
            }
            parts.add(e.id() + ": " + what);
        }
        return String.join(", ", parts);
    }

    private long now() {
        return clock.getAsLong();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos));
    }

    private static String hex(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }
}
