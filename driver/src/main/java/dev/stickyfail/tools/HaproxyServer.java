package dev.stickyfail.tools;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code server} line of a backend, with the {@code default-server} settings it inherits. Settings are keyword to
 * value ({@code ""} for a flag such as {@code backup}), each with the line it came from.
 */
final class HaproxyServer {

    /** Server keywords that take no value. Any keyword not listed takes one, as most of HAProxy's do. */
    private static final Set<String> FLAGS = Set.of("backup", "no-backup", "check", "no-check", "check-ssl",
            "no-check-ssl", "check-send-proxy", "no-check-send-proxy", "ssl", "no-ssl", "send-proxy", "no-send-proxy",
            "send-proxy-v2", "no-send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn", "disabled", "enabled",
            "agent-check", "no-agent-check", "non-stick", "stick", "tfo", "allow-0rtt", "no-tls-tickets",
            "tls-tickets", "no-verifyhost", "force-sslv3", "force-tlsv10", "force-tlsv11", "force-tlsv12",
            "force-tlsv13", "no-sslv3", "no-tlsv10", "no-tlsv11", "no-tlsv12", "no-tlsv13", "check-via-socks4",
            "ws");

    record Setting(String value, int line, boolean fromDefaultServer) {
    }

    private final String name;
    private final String address;
    private final int line;
    private final Map<String, Setting> settings = new LinkedHashMap<>();

    HaproxyServer(String name, String address, int line) {
        this.name = name;
        this.address = address;
        this.line = line;
    }

    String name() {
        return name;
    }

    String address() {
        return address;
    }

    int line() {
        return line;
    }

    boolean isBackup() {
        return settings.containsKey("backup");
    }

    Setting get(String keyword) {
        return settings.get(keyword);
    }

    Map<String, Setting> settings() {
        return settings;
    }

    /**
     * Reads keyword/value pairs from {@code words} starting at {@code from} into {@code target}; a {@code no-x} flag
     * removes {@code x}.
     */
    static void readSettings(String file, HaproxyConfig.Line line, int from, Map<String, Setting> target,
                             boolean fromDefaultServer) throws HaproxyConfigException {
        for (int i = from; i < line.words().size(); i++) {
            String keyword = line.words().get(i).toLowerCase(Locale.ROOT);
            if (FLAGS.contains(keyword)) {
                if (keyword.startsWith("no-") && FLAGS.contains(keyword.substring(3))) {
                    target.remove(keyword.substring(3));
                } else {
                    target.put(keyword, new Setting("", line.number(), fromDefaultServer));
                }
                continue;
            }
            if (i + 1 >= line.words().size()) {
                throw HaproxyConfigException.at(file, line.number(), "'" + line.words().get(0) + "' keyword '"
                        + keyword + "' expects a value, and the line ends");
            }
            target.put(keyword, new Setting(line.words().get(++i), line.number(), fromDefaultServer));
        }
    }
}
