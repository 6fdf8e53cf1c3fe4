package dev.stickyfail.hazelcast;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;

/**
 * The application instances of one group, each with the epoch it last acknowledged and a heartbeat counter, as one
 * deterministic string kept in a CP {@code IAtomicReference} and changed only by compare-and-set.
 *
 * <p>Liveness needs no synchronised clocks: an observer notes when, on its own monotonic clock, it last saw an
 * instance's counter move.
 *
 * <p>Encoded as {@code stickyfail-instances/1} followed by one line per instance, sorted:
 * {@code <url-encoded id> <acked epoch> <heartbeat>}.
 */
record InstanceTable(TreeMap<String, Entry> entries) {

    private static final String FORMAT = "stickyfail-instances/1";

    record Entry(String id, long ackedEpoch, long heartbeat) {
    }

    static final InstanceTable EMPTY = new InstanceTable(new TreeMap<>());

    static InstanceTable decode(String text) {
        if (text == null || text.isEmpty()) {
            return EMPTY;
        }
        String[] lines = text.split("\n");
        if (!FORMAT.equals(lines[0])) {
            throw new IllegalArgumentException("not a stickyfail instance table (expected " + FORMAT + "): "
                    + (text.length() > 80 ? text.substring(0, 77) + "..." : text));
        }
        TreeMap<String, Entry> m = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(" ");
            if (f.length != 3) {
                throw new IllegalArgumentException("malformed line " + (i + 1) + " in stickyfail instance table: " + lines[i]);
            }
            String id = URLDecoder.decode(f[0], StandardCharsets.UTF_8);
            m.put(id, new Entry(id, Long.parseLong(f[1]), Long.parseLong(f[2])));
        }
        return new InstanceTable(m);
    }

    String encode() {
        StringBuilder sb = new StringBuilder(FORMAT);
        for (Entry e : entries.values()) {
            sb.append('\n').append(URLEncoder.encode(e.id(), StandardCharsets.UTF_8)).append(' ').append(e.ackedEpoch())
                    .append(' ').append(e.heartbeat());
        }
        return sb.toString();
    }

    Entry get(String id) {
        return entries.get(id);
    }

    Collection<Entry> all() {
        return Collections.unmodifiableCollection(entries.values());
    }

    /**
     * {@code id} with its acknowledged epoch raised to at least {@code acked} and heartbeat {@code heartbeat} (the
     * instance's own counter, never reused, so an observer that remembers an earlier incarnation sees it move).
     */
    InstanceTable beat(String id, long acked, long heartbeat) {
        Entry old = entries.get(id);
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        m.put(id, new Entry(id, Math.max(acked, old == null ? 0 : old.ackedEpoch()), heartbeat));
        return new InstanceTable(m);
    }

    InstanceTable without(Collection<String> ids) {
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        ids.forEach(m::remove);
        return new InstanceTable(m);
    }
}
