package dev.stickyfail.store;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * A group's decision: which server is active, at which epoch, who decided it, when and why. The epoch grows by one at
 * every switch; decisions compare by history generation, then by epoch ({@link #isNewerThan}); {@code server} is the
 * {@code host:port} name as the URL spells it.
 *
 * <p>{@code history} names the run of epochs a decision belongs to: a shared store starts a new history when its
 * value is created from nothing (a new CP Subsystem, or one that lost its state), so a state file written in another
 * history is recognised as such instead of being trusted for its epoch alone. Empty when unknown (the local store, a
 * file written before histories existed).
 *
 * <p>{@link #encode()} is deterministic, so a shared store can compare-and-set the encoded form byte for byte.
 */
public record Decision(String server, long epoch, String decidedBy, Instant decidedAt, String reason, String history) {

    private static final String FORMAT_1 = "stickyfail-decision/1";
    private static final String FORMAT = "stickyfail-decision/2";

    public Decision {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(decidedAt, "decidedAt");
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, was " + epoch);
        }
        decidedBy = decidedBy == null ? "" : decidedBy;
        reason = reason == null ? "" : reason;
        history = history == null ? "" : history;
    }

    /** A decision with no known history. */
    public Decision(String server, long epoch, String decidedBy, Instant decidedAt, String reason) {
        this(server, epoch, decidedBy, decidedAt, reason, "");
    }

    /** The decision that follows {@code previous} (or the first one, when it is {@code null}), in its history. */
    public static Decision next(Decision previous, String server, String decidedBy, String reason) {
        return new Decision(server, previous == null ? 1 : previous.epoch + 1, decidedBy, Instant.now(), reason,
                previous == null ? "" : previous.history);
    }

    /** This decision in {@code history}. */
    public Decision inHistory(String history) {
        return new Decision(server, epoch, decidedBy, decidedAt, reason, history);
    }

    /** Same epoch, same server, same history: the same decision as far as routing is concerned. */
    public boolean sameAs(Decision other) {
        return other != null && epoch == other.epoch && server.equals(other.server) && history.equals(other.history);
    }

    /**
     * Whether this decision is newer than {@code other} ({@code null} counts as epoch 0): from a later history (a shared
     * store numbers each history it starts one above every history offered to it), else at a higher epoch. An
     * instance cut off while its store was lost and seeded again comes back at an epoch of the old history that may be
     * higher than the new one's: the new history is still the newer decision.
     */
    public boolean isNewerThan(Decision other) {
        if (other == null) {
            return true;
        }
        long generation = generation(history);
        long others = generation(other.history);
        return generation != others ? generation > others : epoch > other.epoch;
    }

    /** The generation a history names ({@code <generation>.<random>}); 0 when unknown or in another form. */
    public static long generation(String history) {
        if (history == null) {
            return 0;
        }
        int dot = history.indexOf('.');
        if (dot <= 0) {
            return 0;
        }
        try {
            return Long.parseLong(history.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * One line: {@code stickyfail-decision/2|<epoch>|<server>|<decidedAt>|<decidedBy>|<reason>|<history>}, with
     * {@code |} and {@code \} in the free-text fields escaped. Same decision, same bytes. {@link #decode} also reads
     * the first format, which had no history.
     */
    public String encode() {
        return FORMAT + '|' + epoch + '|' + escape(server) + '|' + decidedAt + '|' + escape(decidedBy) + '|' + escape(reason)
                + '|' + escape(history);
    }

    /** @throws IllegalArgumentException naming the value and the expected form when {@code text} is not an encoded decision */
    public static Decision decode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("not an encoded stickyfail decision: null");
        }
        String[] f = split(text);
        boolean v1 = f.length == 6 && FORMAT_1.equals(f[0]);
        if (!v1 && (f.length != 7 || !FORMAT.equals(f[0]))) {
            throw new IllegalArgumentException("not an encoded stickyfail decision (expected " + FORMAT
                    + "|epoch|server|decidedAt|decidedBy|reason|history): " + abbreviate(text));
        }
        try {
            return new Decision(f[2], Long.parseLong(f[1]), f[4], Instant.parse(f[3]), f[5], v1 ? "" : f[6]);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("malformed epoch or time in encoded stickyfail decision: " + abbreviate(text), e);
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '|' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c == '\n' || c == '\r' ? ' ' : c);
        }
        return sb.toString();
    }

    private static String[] split(String text) {
        java.util.List<String> fields = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                cur.append(text.charAt(++i));
            } else if (c == '|') {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        fields.add(cur.toString());
        return fields.toArray(new String[0]);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
