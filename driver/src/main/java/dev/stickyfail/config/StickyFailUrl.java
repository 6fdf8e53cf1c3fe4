package dev.stickyfail.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jdbc:stickyfail:mysql://host1[:port],host2[:port][,...]/[database][?key=value&...]}, parsed. The first host
 * is the primary; the others are backups, in order.
 */
public record StickyFailUrl(List<ServerAddress> servers, String database, Map<String, String> parameters) {

    public static final String PREFIX = "jdbc:stickyfail:";
    public static final String MYSQL_PREFIX = PREFIX + "mysql://";
    static final String EXPECTED_FORM = "jdbc:stickyfail:mysql://host1[:port],host2[:port][,...]/[database][?properties]";

    public StickyFailUrl {
        servers = List.copyOf(servers);
        parameters = Map.copyOf(parameters);
    }

    /** Whether the URL is one the stickyfail driver should answer (the JDBC contract: others get {@code null}). */
    public static boolean isStickyFailUrl(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    public static StickyFailUrl parse(String url) throws SQLException {
        if (url == null || url.isBlank()) {
            throw ConfigErrors.problem("no URL given; expected " + EXPECTED_FORM);
        }
        if (!url.startsWith(PREFIX)) {
            throw ConfigErrors.invalid("url", ConfigErrors.redactUrl(url), EXPECTED_FORM
                    + " (a stickyfail URL starts with jdbc:stickyfail:; put the Connector/J URL's hosts after it)");
        }
        if (!url.startsWith(MYSQL_PREFIX)) {
            throw ConfigErrors.invalid("url", ConfigErrors.redactUrl(url),
                    EXPECTED_FORM + " (only the mysql:// protocol of Connector/J is supported)");
        }
        String rest = url.substring(MYSQL_PREFIX.length());
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        String authorityAndPath = q < 0 ? rest : rest.substring(0, q);
        int slash = authorityAndPath.indexOf('/');
        String hostList = slash < 0 ? authorityAndPath : authorityAndPath.substring(0, slash);
        String database = slash < 0 ? "" : decode("database", authorityAndPath.substring(slash + 1));

        if (hostList.indexOf('@') >= 0) {
            throw ConfigErrors.problem("credentials in the host list of " + ConfigErrors.redactUrl(url)
                    + " are not supported; pass them as the user and password properties");
        }
        if (hostList.isBlank()) {
            throw ConfigErrors.invalid("url", ConfigErrors.redactUrl(url),
                    EXPECTED_FORM + " (no host given: list the primary first, then the backups)");
        }
        List<ServerAddress> servers = new ArrayList<>();
        Set<ServerAddress> seen = new HashSet<>();
        for (String part : hostList.split(",", -1)) {
            ServerAddress server = parseHost(part.trim());
            if (!seen.add(server)) {
                throw ConfigErrors.invalid("url", ConfigErrors.redactUrl(url),
                        "each server once; " + server + " is listed twice");
            }
            servers.add(server);
        }
        return new StickyFailUrl(servers, database.isEmpty() ? null : database, parseQuery(query));
    }

    static ServerAddress parseHost(String text) throws SQLException {
        String expected = "host[:port] with a port between 1 and 65535, e.g. db0:3306 or [::1]:3306";
        if (text.isEmpty()) {
            throw ConfigErrors.invalid("host", text, expected + " (the host list has an empty entry)");
        }
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw ConfigErrors.invalid("host", text, expected);
            }
            host = text.substring(1, close);
            String after = text.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw ConfigErrors.invalid("host", text, expected);
                }
                port = after.substring(1);
            }
        } else {
            int colon = text.indexOf(':');
            host = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
        }
        if (host.isEmpty() || !host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':')) {
            throw ConfigErrors.invalid("host", text, expected);
        }
        int portNumber = ServerAddress.DEFAULT_PORT;
        if (port != null) {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
                throw ConfigErrors.invalid("port", port, expected);
            }
            portNumber = Integer.parseInt(port);
            if (portNumber < 1 || portNumber > 65535) {
                throw ConfigErrors.invalid("port", port, expected);
            }
        }
        return new ServerAddress(host, portNumber);
    }

    private static Map<String, String> parseQuery(String query) throws SQLException {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode("URL parameter name", eq < 0 ? pair : pair.substring(0, eq));
            if (eq < 0) {
                if (key.startsWith(StickyFailProperty.PREFIX)) {
                    throw ConfigErrors.invalid(key, "", "key=value in the URL");
                }
                continue; // Connector/J ignores a parameter without a value; so do we
            }
            parameters.put(key, decode(key, pair.substring(eq + 1)));
        }
        return parameters;
    }

    private static String decode(String what, String text) throws SQLException {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.invalid(what, text, "URL-encoded text (% followed by two hex digits)");
        }
    }
}
