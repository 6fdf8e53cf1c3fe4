package dev.stickyfail.testkit.workload;

/**
 * One operation of a writer: borrow a connection, insert one row, return the connection. Times are
 * {@code System.nanoTime()} relative to the run's start.
 *
 * @param client     index of the {@link WorkloadClient} it went through
 * @param writer     index of the writer thread (unique across clients)
 * @param seq        the writer's operation number, from 0; with {@code writer} it names the row
 * @param startNanos when it began (before {@code getConnection})
 * @param endNanos   when it ended; for an {@link Outcome#UNFINISHED} operation, when the run stopped waiting
 * @param outcome    how it ended
 * @param server     the server that took the write (index), or -1 unless {@link Outcome#OK}
 * @param sqlState   for a failure: the SQLState, or {@code "none"} when the exception had none
 * @param error      for a failure: the exception's class and message
 */
public record Op(int client, int writer, long seq, long startNanos, long endNanos, Outcome outcome, int server,
                 String sqlState, String error) {

    /** How an operation ended. */
    public enum Outcome {
        /** Committed and acknowledged. */
        OK,
        /** An exception reached the application. */
        FAILED,
        /** Still blocked when the run ended (e.g. waiting for ever on a frozen server). */
        UNFINISHED
    }

    public long latencyNanos() {
        return endNanos - startNanos;
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }

    /** The writer and sequence number packed into one key, as the audit matches rows to operations. */
    public long key() {
        return key(writer, seq);
    }

    static long key(int writer, long seq) {
        return ((long) writer << 40) | seq;
    }
}
