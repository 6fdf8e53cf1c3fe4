package dev.stickyfail.internal.replication;

import java.util.List;

/**
 * A set of global transaction ids of one flavour, as a value. Both flavours answer the same questions: what one set
 * has that another has not ({@link #minus}), how many transactions that is ({@link #count}) and which
 * ({@link #ranges}). Sets of different flavours never mix: an operation on both throws
 * {@link IllegalArgumentException}.
 *
 * <p>{@link #toString()} is the flavour's own notation and parses back to an equal set.
 */
public sealed interface GtidSet permits MariaDbGtidSet, MysqlGtidSet {

    /** The transactions of this set that {@code other} does not have. */
    GtidSet minus(GtidSet other);

    /** The transactions of either set. */
    GtidSet union(GtidSet other);

    /** True when this set has every transaction of {@code other}. */
    boolean containsAll(GtidSet other);

    boolean isEmpty();

    /** How many transactions the set holds (see the flavour for what is exact). */
    long count();

    /** The set as ranges of consecutive transactions, in the flavour's order, for reports. */
    List<GtidRange> ranges();

    /** {@code "mariadb"} or {@code "mysql"}. */
    String flavour();
}
