package dev.stickyfail.tools;

import java.time.Duration;

/**
 * HAProxy's time format: a number with an optional unit {@code us}, {@code ms}, {@code s}, {@code m}, {@code h} or
 * {@code d}; a bare number means milliseconds.
 */
final class HaproxyTime {

    static final String EXPECTED = "a number with an optional unit us, ms, s, m, h or d (a bare number means ms)";

    private HaproxyTime() {
    }

    /** @return the duration (microseconds rounded up to whole milliseconds), or {@code null} if not a time */
    static Duration parseOrNull(String text) {
        if (text == null) {
            return null;
        }
        int digitsEnd = 0;
        while (digitsEnd < text.length() && Character.isDigit(text.charAt(digitsEnd))) {
            digitsEnd++;
        }
        if (digitsEnd == 0 || digitsEnd > 12) {
            return null;
        }
        long amount = Long.parseLong(text.substring(0, digitsEnd));
        switch (text.substring(digitsEnd)) {
            case "us":
                return Duration.ofMillis((amount + 999) / 1000);
            case "":
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            case "d":
                return Duration.ofDays(amount);
            default:
                return null;
        }
    }
}
