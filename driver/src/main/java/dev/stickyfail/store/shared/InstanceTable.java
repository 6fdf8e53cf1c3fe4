package dev.stickyfail.store.shared;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The application instances of one group as one deterministic string, changed only by compare-and-set: each instance
 * with its lease, a heartbeat counter, the epoch (and history) it last acknowledged and, while the decision is missing,
 * its offer for the census.
 *
 * <p>The header names the table's incarnation, a random id given when the table is created from nothing, so that an
 * observer notices a table that was lost and created again, and whether its membership is settled (someone watched
 * this incarnation for one longest lease: every lease holder is in it).
 *
 * <p>Encoded as {@code stickyfail-instances/2 <incarnation> settled|unsettled}, then one line per instance, sorted by
 * id: {@code <id> <lease ms> <heartbeat> <acked epoch> <acked history> <offer>}, every text field URL-encoded, {@code ~}
 * for an empty history or no offer, {@code none} for an offer of nothing, else the offered decision's
 * {@code encode()}.
 */
final class InstanceTable {

    static final String FORMAT = "stickyfail-instances/2";
    private static final String ABSENT = "~";
    private static final String NOTHING = "none";

    /**
     * One instance.
     *
     * @param offer {@code null}: no offer; {@code ""}: offered nothing (no decision known); else an encoded decision
     */
    record Entry(String id, long leaseMillis, long heartbeat, long ackedEpoch, String ackedHistory, String offer) {
        Entry {
            Objects.requireNonNull(id, "id");
            ackedHistory = ackedHistory == null ? "" : ackedHistory;
        }

        boolean offered() {
            return offer != null;
        }

        /** Whether this instance has acknowledged {@code epoch} of {@code history} (or a later epoch of it). */
        boolean acknowledged(long epoch, String history) {
            return ackedHistory.equals(history) && ackedEpoch >= epoch;
        }
    }

    private final String incarnation;
    private final boolean settled;
    private final TreeMap<String, Entry> entries;

    private InstanceTable(String incarnation, boolean settled, TreeMap<String, Entry> entries) {
        this.incarnation = incarnation;
        this.settled = settled;
        this.entries = entries;
    }

    /**
     * Whether {@code text} is a table as an earlier stickyfail wrote it ({@code stickyfail-instances/1}: no leases, no
     * incarnation): replaced like a missing table, membership unknown, rather than refused as foreign.
     */
    static boolean isEarlierFormat(String text) {
        return text.equals("stickyfail-instances/1") || text.startsWith("stickyfail-instances/1\n");
    }

    /** A new, empty, unsettled table. */
    static InstanceTable create(String incarnation) {
        return new InstanceTable(incarnation, false, new TreeMap<>());
    }

    /** @throws IllegalArgumentException naming what is wrong when {@code text} is not an instance table of this format */
    static InstanceTable decode(String text) {
        Objects.requireNonNull(text, "text");
        String[] lines = text.split("\n", -1);
        String[] header = lines[0].split(" ", -1);
        if (header.length != 3 || !FORMAT.equals(header[0]) || header[1].isEmpty()
                || !(header[2].equals("settled") || header[2].equals("unsettled"))) {
            throw new IllegalArgumentException("not a stickyfail instance table (expected a first line '" + FORMAT
                    + " <incarnation> settled|unsettled'): " + abbreviate(text));
        }
        TreeMap<String, Entry> m = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(" ", -1);
            if (f.length != 6) {
                throw new IllegalArgumentException("malformed line " + (i + 1) + " in a stickyfail instance table: "
                        + abbreviate(lines[i]));
            }
            try {
                String id = URLDecoder.decode(f[0], StandardCharsets.UTF_8);
                m.put(id, new Entry(id, Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                        f[4].equals(ABSENT) ? "" : URLDecoder.decode(f[4], StandardCharsets.UTF_8),
                        f[5].equals(ABSENT) ? null : f[5].equals(NOTHING) ? ""
                                : URLDecoder.decode(f[5], StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) { // NumberFormatException included
                throw new IllegalArgumentException("malformed line " + (i + 1) + " in a stickyfail instance table: "
                        + abbreviate(lines[i]), e);
            }
        }
        return new InstanceTable(header[1], header[2].equals("settled"), m);
    }

    String encode() {
        StringBuilder sb = new StringBuilder(64 + 96 * entries.size());
        sb.append(FORMAT).append(' ').append(incarnation).append(' ').append(settled ? "settled" : "unsettled");
        for (Entry e : entries.values()) {
            sb.append('\n').append(enc(e.id())).append(' ').append(e.leaseMillis()).append(' ').append(e.heartbeat())
                    .append(' ').append(e.ackedEpoch()).append(' ')
                    .append(e.ackedHistory().isEmpty() ? ABSENT : enc(e.ackedHistory())).append(' ')
                    .append(e.offer() == null ? ABSENT : e.offer().isEmpty() ? NOTHING : enc(e.offer()));
        }
        return sb.toString();
    }

    String incarnation() {
        return incarnation;
    }

    boolean settled() {
        return settled;
    }

    Entry get(String id) {
        return entries.get(id);
    }

    Collection<Entry> all() {
        return Collections.unmodifiableCollection(entries.values());
    }

    InstanceTable with(Entry e) {
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        m.put(e.id(), e);
        return new InstanceTable(incarnation, settled, m);
    }

    InstanceTable without(Collection<String> ids) {
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        ids.forEach(m::remove);
        return new InstanceTable(incarnation, settled, m);
    }

    InstanceTable asSettled() {
        return new InstanceTable(incarnation, true, entries);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
