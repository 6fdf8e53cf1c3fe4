package dev.stickyfail.internal.replication;

/** A GTID set that a server (or a test) gave in a form we do not read; names the value and the expected form. */
public final class GtidFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    GtidFormatException(String flavour, String value, String problem, String expected) {
        super("not a " + flavour + " GTID set: '" + value + "' (" + problem + "); expected " + expected);
    }
}
