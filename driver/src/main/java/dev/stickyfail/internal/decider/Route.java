package dev.stickyfail.internal.decider;

/**
 * Where new connections go: {@code index} of the decided server, at {@code epoch}, and whether it may be used now.
 * Published by the decider only; read by application threads without a lock.
 */
public record Route(int index, long epoch, boolean usable) {

    /** No decision, or the group refuses to choose. */
    public static final Route NONE = new Route(-1, 0, false);

    /** Nothing is handed out (a switch in progress, a lost lease). */
    public static Route closed(long epoch) {
        return new Route(-1, epoch, false);
    }
}
