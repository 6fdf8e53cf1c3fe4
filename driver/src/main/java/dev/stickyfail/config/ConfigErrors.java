package dev.stickyfail.config;

import java.sql.SQLNonTransientConnectionException;

/**
 * Builds the one kind of exception bad configuration gets: {@code 08001}, naming the property, the value (never a
 * secret) and the expected form.
 */
public final class ConfigErrors {

    public static final String SQL_STATE = "08001";
    private static final String MASK = "****";

    private ConfigErrors() {
    }

    public static SQLNonTransientConnectionException invalid(String property, String value, String expected) {
        String shown = StickyFailProperty.isSecretKey(property) ? MASK : "'" + value + "'";
        return new SQLNonTransientConnectionException(
                "stickyfail: invalid value " + shown + " for " + property + "; expected " + expected, SQL_STATE);
    }

    public static SQLNonTransientConnectionException problem(String message) {
        return new SQLNonTransientConnectionException("stickyfail: " + message, SQL_STATE);
    }

    /** A URL with the values of every password-like parameter replaced, safe for messages and logs. */
    public static String redactUrl(String url) {
        if (url == null) {
            return "null";
        }
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        int at = base.indexOf('@');
        if (at >= 0) {
            int scheme = base.indexOf("//");
            base = base.substring(0, Math.max(scheme + 2, 0)) + MASK + base.substring(at);
        }
        if (q < 0) {
            return base;
        }
        StringBuilder out = new StringBuilder(base).append('?');
        String[] pairs = url.substring(q + 1).split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) {
                out.append('&');
            }
            int eq = pairs[i].indexOf('=');
            String key = eq < 0 ? pairs[i] : pairs[i].substring(0, eq);
            if (eq >= 0 && StickyFailProperty.isSecretKey(decoded(key))) {
                out.append(key).append('=').append(MASK);
            } else {
                out.append(pairs[i]);
            }
        }
        return out.toString();
    }

    /** The key as Connector/J will read it ({@code pass%77ord} is {@code password}); the raw key when it is not valid. */
    private static String decoded(String key) {
        try {
            return java.net.URLDecoder.decode(key, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return key;
        }
    }
}
