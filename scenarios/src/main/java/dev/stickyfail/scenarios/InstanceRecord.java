package dev.stickyfail.scenarios;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one run of an {@link AppInstance} recorded: each write (its sequence number, when it began and ended, what its
 * caller was told) and the group's events with the time they arrived. Times are {@code nanoTime} of the host.
 */
record InstanceRecord(String name, Map<Long, AppInstance.Write> writes, List<Event> events) {

    /** One event line: {@code kind} is switching, switched, fence or lease; {@code fields} what follows the time. */
    record Event(String kind, long nanos, List<String> fields) {
    }

    /** A killed instance: nothing recorded survives it. */
    static InstanceRecord lost(String name) {
        return new InstanceRecord(name, Map.of(), List.of());
    }

    static InstanceRecord read(String name, Path results, Path events) throws IOException {
        Map<Long, AppInstance.Write> writes = new HashMap<>();
        for (String line : Files.readAllLines(results)) {
            String[] f = line.split(",", 4);
            writes.put(Long.parseLong(f[0]), new AppInstance.Write(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]));
        }
        List<Event> list = new ArrayList<>();
        if (Files.exists(events)) {
            for (String line : Files.readAllLines(events)) {
                String[] f = line.split(",");
                list.add(new Event(f[0], Long.parseLong(f[1]), List.of(f).subList(2, f.length)));
            }
        }
        return new InstanceRecord(name, writes, list);
    }

    /**
     * When this instance stopped sending to {@code server} for good: the first switch event (starting, or done when it
     * saw no start) of a decision that does not name it, after which no decision named it again. Empty if it never
     * left it.
     */
    Optional<Long> leftAt(String server) {
        Long left = null;
        for (Event e : events) {
            if (e.kind().equals("switching") || e.kind().equals("switched")) {
                String to = e.fields().get(2);
                if (to.equals(server)) {
                    left = null;
                } else if (left == null) {
                    left = e.nanos();
                }
            }
        }
        return Optional.ofNullable(left);
    }

    /**
     * The spans in which this instance did not hold its lease, {@code [lost, regained]}: from its start until it first
     * held one (the store starting), and every loss after (an open one ends at MAX). Without a shared store there are
     * no lease events, and the whole run is such a span.
     */
    List<long[]> leaseLost() {
        List<long[]> spans = new ArrayList<>();
        Long lost = Long.MIN_VALUE;
        for (Event e : events) {
            if (e.kind().equals("lease")) {
                boolean held = Boolean.parseBoolean(e.fields().get(0));
                if (!held && lost == null) {
                    lost = e.nanos();
                } else if (held && lost != null) {
                    spans.add(new long[] {lost, e.nanos()});
                    lost = null;
                }
            }
        }
        if (lost != null) {
            spans.add(new long[] {lost, Long.MAX_VALUE});
        }
        return spans;
    }
}
