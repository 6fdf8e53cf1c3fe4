package dev.stickyfail.benchmarks.soak;

import dev.stickyfail.testkit.workload.Fault;

/**
 * One cycle of the soak run: what was done to which server, and what followed. Times are wall clock, µs since the
 * epoch (the servers' {@code NOW(6)} reads the same clock: they run on this host).
 *
 * @param index          0-based
 * @param fault          what was done to the active server
 * @param from           the active server before (index)
 * @param to             the server the group switched to
 * @param injectedMicros when the fault was injected (the switch's window starts here and ends at the next one's)
 * @param inFlight       writes under way at that moment
 * @param switchMillis   from the injection to the group's switch event
 * @param firstWriteMillis from the injection to the end of the first successful write on {@code to}
 * @param upAgainMillis  from the injection to the old server being up again in the group, replication caught up
 * @param switchEvents   switches the group made in this cycle (1 expected: more means it moved again by itself)
 * @param sticky         whether the group stayed on {@code to} for the whole hold after the old server was up again
 * @param evicted        connections the switch aborted (from its event)
 */
record SwitchRecord(int index, Fault fault, int from, int to, long injectedMicros, int inFlight, long switchMillis,
                    long firstWriteMillis, long upAgainMillis, int switchEvents, boolean sticky, int evicted) {

    static final String CSV_HEADER = "switch,fault,from,to,injected_us,in_flight,switch_ms,first_write_ms,up_again_ms,"
            + "switch_events,sticky,evicted";

    String csv() {
        return index + "," + fault.id() + ",db" + from + ",db" + to + "," + injectedMicros + "," + inFlight + ","
                + switchMillis + "," + firstWriteMillis + "," + upAgainMillis + "," + switchEvents + "," + sticky + ","
                + evicted;
    }

    static SwitchRecord parse(String line) {
        String[] f = line.split(",");
        return new SwitchRecord(Integer.parseInt(f[0]), Fault.parse(f[1]), Integer.parseInt(f[2].substring(2)),
                Integer.parseInt(f[3].substring(2)), Long.parseLong(f[4]), Integer.parseInt(f[5]), Long.parseLong(f[6]),
                Long.parseLong(f[7]), Long.parseLong(f[8]), Integer.parseInt(f[9]), Boolean.parseBoolean(f[10]),
                Integer.parseInt(f[11]));
    }
}
