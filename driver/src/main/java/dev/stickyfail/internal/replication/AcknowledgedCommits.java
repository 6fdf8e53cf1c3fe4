package dev.stickyfail.internal.replication;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The commits this application was told succeeded, per server of a group, by their GTIDs: each server names the GTID
 * of a commit in the reply to it when session state tracking asks for it (MariaDB's {@code last_gtid} in
 * {@code session_track_system_variables}, MySQL's {@code session_track_gtids=OWN_GTID}). At a switch the catch-up waits
 * on the new server for those it lacks, which needs no privilege, and what it still lacks when the wait runs out is
 * what the application was told committed and cannot see there.
 *
 * <p>Bounded: per origin (a MariaDB domain and server_id, a MySQL source uuid), the last {@value #KEPT} sequence numbers
 * recorded and the highest one pushed out since. The highest pushed out is waited for too, so the wait still covers
 * every acknowledged commit where the new server applies in order (it cannot have the last without the earlier ones);
 * only the report of what is missing becomes a lower bound ({@link Snapshot#exactFor}).
 *
 * <p>Recording runs on the application's threads, inside Connector/J's reading of a commit's reply: no lock, and no
 * allocation once an origin is known (a few atomic operations per commit); text that is not a GTID is ignored, never
 * thrown.
 */
public final class AcknowledgedCommits {

    /** Sequence numbers kept per origin (a power of two). */
    static final int KEPT = 1024;
    private static final int MASK = KEPT - 1;
    /** Origins kept per server: more than a few means a server reports GTIDs nobody should wait for; ignore them. */
    private static final int MAX_ORIGINS = 64;

    private final Server[] servers;

    public AcknowledgedCommits(int servers) {
        this.servers = new Server[servers];
        for (int i = 0; i < servers; i++) {
            this.servers[i] = new Server();
        }
    }

    /** Where the commits acknowledged by server {@code index} are recorded. */
    public Server server(int index) {
        return servers[index];
    }

    /** The commits acknowledged by every server but {@code except}, in {@code flavour}'s GTIDs (others left out). */
    public Snapshot snapshot(ServerFlavour flavour, int except) {
        Map<MariaDbGtidSet.Origin, SeqRanges> mariaDb = new TreeMap<>();
        Map<String, SeqRanges> mysql = new TreeMap<>();
        Map<MariaDbGtidSet.Origin, SeqRanges> mariaDbForgotten = new TreeMap<>();
        Map<String, SeqRanges> mysqlForgotten = new TreeMap<>();
        long[] buffer = new long[KEPT];
        for (int i = 0; i < servers.length; i++) {
            if (i == except) {
                continue;
            }
            for (Origin o : servers[i].origins.get()) {
                if ((o.key == null) != (flavour == ServerFlavour.MARIADB)) {
                    continue;
                }
                SeqRanges kept = o.kept(buffer);
                long forgotten = o.forgotten.get();
                SeqRanges pushedOut = forgotten > 0 ? SeqRanges.of(forgotten, forgotten) : SeqRanges.EMPTY;
                if (o.key == null) {
                    MariaDbGtidSet.Origin origin = new MariaDbGtidSet.Origin(o.domain, o.serverId);
                    mariaDb.merge(origin, kept.union(pushedOut), SeqRanges::union);
                    mariaDbForgotten.merge(origin, pushedOut, SeqRanges::union);
                } else {
                    mysql.merge(o.key, kept.union(pushedOut), SeqRanges::union);
                    mysqlForgotten.merge(o.key, pushedOut, SeqRanges::union);
                }
            }
        }
        return flavour == ServerFlavour.MARIADB
                ? new Snapshot(MariaDbGtidSet.of(mariaDb), MariaDbGtidSet.of(mariaDbForgotten))
                : new Snapshot(MysqlGtidSet.of(mysql), MysqlGtidSet.of(mysqlForgotten));
    }

    /**
     * What was acknowledged, as GTID sets.
     *
     * @param commits   every commit recorded, plus per origin the highest one pushed out of the record
     * @param forgotten per origin, the highest sequence number pushed out of the record (commits before it are not
     *                  known one by one); empty when nothing was pushed out
     */
    public record Snapshot(GtidSet commits, GtidSet forgotten) {

        public static Snapshot none(ServerFlavour flavour) {
            return new Snapshot(flavour.empty(), flavour.empty());
        }

        public boolean isEmpty() {
            return commits.isEmpty();
        }

        /** The acknowledged commits {@code has} lacks; empty when the flavours differ (nothing comparable). */
        public GtidSet missingFrom(GtidSet has) {
            if (!commits.flavour().equals(has.flavour())) {
                return has instanceof MariaDbGtidSet ? MariaDbGtidSet.EMPTY : MysqlGtidSet.EMPTY;
            }
            return commits.minus(has);
        }

        /**
         * Whether {@link #missingFrom} names every acknowledged commit {@code has} lacks: true unless {@code has} also
         * lacks the highest commit pushed out of the record of some origin (then earlier ones may be missing too).
         */
        public boolean exactFor(GtidSet has) {
            return !forgotten.flavour().equals(has.flavour()) || forgotten.minus(has).isEmpty();
        }
    }

    /** The commits one server acknowledged. */
    public static final class Server {

        private final AtomicReference<Origin[]> origins = new AtomicReference<>(new Origin[0]);

        /**
         * A MariaDB {@code last_gtid} ({@code domain-server_id-seq}) reported with a commit's reply. Ignores anything
         * else.
         */
        public void recordMariaDb(String gtid) {
            long domain = 0;
            long serverId = 0;
            long seq = 0;
            int field = 0;
            boolean digits = false;
            for (int i = 0, n = gtid.length(); i < n; i++) {
                char c = gtid.charAt(i);
                if (c >= '0' && c <= '9') {
                    long v = field == 0 ? domain : field == 1 ? serverId : seq;
                    if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                        return;
                    }
                    v = v * 10 + (c - '0');
                    if (field == 0) {
                        domain = v;
                    } else if (field == 1) {
                        serverId = v;
                    } else {
                        seq = v;
                    }
                    digits = true;
                } else if (c == '-' && digits && field < 2) {
                    field++;
                    digits = false;
                } else {
                    return;
                }
            }
            if (field == 2 && digits && seq > 0) {
                Origin o = mariaDbOrigin(domain, serverId);
                if (o != null) {
                    o.record(seq);
                }
            }
        }

        /**
         * A MySQL {@code session_track_gtids=OWN_GTID} report: {@code uuid:n}, more generally a GTID set such as
         * {@code uuid:7-9:12,uuid2:3} or, with 8.4's tags, {@code uuid:tag:5}. Ignores anything else from the first
         * character it cannot read.
         */
        public void recordMysql(String gtids) {
            int n = gtids.length();
            int i = 0;
            while (i < n) {
                while (i < n && (gtids.charAt(i) == ',' || Character.isWhitespace(gtids.charAt(i)))) {
                    i++;
                }
                if (i == n) {
                    return;
                }
                int start = i;
                int uuidEnd = start + 36;
                if (uuidEnd >= n || gtids.charAt(uuidEnd) != ':') {
                    return;
                }
                Origin origin = mysqlOrigin(gtids, start, uuidEnd);
                i = uuidEnd;
                while (i < n && gtids.charAt(i) == ':') {
                    i++;
                    if (i < n && gtids.charAt(i) >= '0' && gtids.charAt(i) <= '9') {
                        long from = 0;
                        while (i < n && gtids.charAt(i) >= '0' && gtids.charAt(i) <= '9') {
                            if (from > (Long.MAX_VALUE - 9) / 10) {
                                return;
                            }
                            from = from * 10 + (gtids.charAt(i++) - '0');
                        }
                        long to = from;
                        if (i < n && gtids.charAt(i) == '-') {
                            i++;
                            to = 0;
                            while (i < n && gtids.charAt(i) >= '0' && gtids.charAt(i) <= '9') {
                                if (to > (Long.MAX_VALUE - 9) / 10) {
                                    return;
                                }
                                to = to * 10 + (gtids.charAt(i++) - '0');
                            }
                        }
                        if (from < 1 || to < from) {
                            return;
                        }
                        if (origin != null) {
                            origin.recordRange(from, to);
                        }
                    } else {
                        int tagEnd = i;
                        while (tagEnd < n && tagChar(gtids.charAt(tagEnd))) {
                            tagEnd++;
                        }
                        if (tagEnd == i) {
                            return;
                        }
                        origin = mysqlOrigin(gtids, start, tagEnd); // uuid:tag, as MysqlGtidSet keys it
                        i = tagEnd;
                    }
                }
                if (i < n && gtids.charAt(i) != ',' && !Character.isWhitespace(gtids.charAt(i))) {
                    return;
                }
            }
        }

        private static boolean tagChar(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
        }

        private Origin mariaDbOrigin(long domain, long serverId) {
            for (Origin o : origins.get()) {
                if (o.key == null && o.domain == domain && o.serverId == serverId) {
                    return o;
                }
            }
            return add(new Origin(null, domain, serverId));
        }

        /** The origin keyed by {@code text[start, end)}, compared without case and without allocating. */
        private Origin mysqlOrigin(String text, int start, int end) {
            int length = end - start;
            for (Origin o : origins.get()) {
                if (o.key != null && o.key.length() == length && o.key.regionMatches(true, 0, text, start, length)) {
                    return o;
                }
            }
            String key = text.substring(start, end).toLowerCase(java.util.Locale.ROOT);
            for (int i = 0; i < 36; i++) {
                char c = key.charAt(i);
                boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? c != '-' : !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return null; // not a uuid: nothing to record under it
                }
            }
            return add(new Origin(key, 0, 0));
        }

        /** Adds a new origin, or returns the equal one another thread added first; null once there are too many. */
        private Origin add(Origin candidate) {
            while (true) {
                Origin[] current = origins.get();
                for (Origin o : current) {
                    if (o.sameAs(candidate)) {
                        return o;
                    }
                }
                if (current.length >= MAX_ORIGINS) {
                    return null;
                }
                Origin[] next = Arrays.copyOf(current, current.length + 1);
                next[current.length] = candidate;
                if (origins.compareAndSet(current, next)) {
                    return candidate;
                }
            }
        }
    }

    /** One origin's last {@value #KEPT} sequence numbers, in the order they were recorded, as a ring. */
    private static final class Origin {
        /** MySQL {@code uuid} or {@code uuid:tag}, lower case; null for a MariaDB origin. */
        final String key;
        final long domain;
        final long serverId;
        final AtomicLongArray ring = new AtomicLongArray(KEPT);
        final AtomicLong next = new AtomicLong();
        /** The highest sequence number pushed out of the ring, 0 when none. */
        final AtomicLong forgotten = new AtomicLong();

        Origin(String key, long domain, long serverId) {
            this.key = key;
            this.domain = domain;
            this.serverId = serverId;
        }

        boolean sameAs(Origin o) {
            return key == null ? o.key == null && domain == o.domain && serverId == o.serverId : key.equals(o.key);
        }

        void record(long seq) {
            long old = ring.getAndSet((int) (next.getAndIncrement() & MASK), seq);
            if (old != 0) {
                raise(forgotten, old);
            }
        }

        void recordRange(long from, long to) {
            if (to - from >= KEPT) {
                raise(forgotten, to - KEPT);
                from = to - KEPT + 1;
            }
            for (long seq = from; seq <= to; seq++) {
                record(seq);
            }
        }

        /** The sequence numbers in the ring now, as ranges; {@code buffer} has room for {@value #KEPT}. */
        SeqRanges kept(long[] buffer) {
            int n = 0;
            for (int i = 0; i < KEPT; i++) {
                long v = ring.get(i);
                if (v != 0) {
                    buffer[n++] = v;
                }
            }
            Arrays.sort(buffer, 0, n);
            return SeqRanges.ofSorted(buffer, n);
        }

        private static void raise(AtomicLong target, long value) {
            long current = target.get();
            while (current < value && !target.compareAndSet(current, value)) {
                current = target.get();
            }
        }
    }
}
