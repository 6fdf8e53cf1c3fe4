package dev.stickyfail.config;

import java.time.Duration;

/** Parses the duration form of every stickyfail property: {@code 500ms}, {@code 2s}, {@code 1m}, or plain milliseconds. */
public final class Durations {

    /** The longest duration any property accepts: longer ones are a typo, and would overflow deadline arithmetic. */
    public static final Duration MAX = Duration.ofHours(24);

    public static final String EXPECTED = "a duration such as 500ms, 2s, 1m or 1h (a plain number means milliseconds), at most 24h";

    private Durations() {
    }

    /** @return the duration, or {@code null} when {@code text} is not of the accepted form */
    public static Duration parseOrNull(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        int digitsEnd = 0;
        while (digitsEnd < s.length() && Character.isDigit(s.charAt(digitsEnd))) {
            digitsEnd++;
        }
        if (digitsEnd == 0 || digitsEnd > 12) {
            return null;
        }
        long amount = Long.parseLong(s.substring(0, digitsEnd));
        Duration d;
        switch (s.substring(digitsEnd)) {
            case "":
            case "ms":
                d = Duration.ofMillis(amount);
                break;
            case "s":
                d = Duration.ofSeconds(amount);
                break;
            case "m":
                d = Duration.ofMinutes(amount);
                break;
            case "h":
                d = Duration.ofHours(amount);
                break;
            default:
                return null;
        }
        return d.compareTo(MAX) > 0 ? null : d;
    }

    /** The shortest exact form: {@code 1m}, {@code 2s}, {@code 500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms != 0 && ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
