package dev.stickyfail.config;

import java.time.Duration;

/** Parses the duration form of every stickyfail property: {@code 500ms}, {@code 2s}, {@code 1m}, or plain milliseconds. */
public final class Durations {

    public static final String EXPECTED = "a duration such as 500ms, 2s or 1m (a plain number means milliseconds)";

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
        switch (s.substring(digitsEnd)) {
            case "":
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            default:
                return null;
        }
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
