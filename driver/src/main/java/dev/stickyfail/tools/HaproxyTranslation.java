package dev.stickyfail.tools;

import dev.stickyfail.config.Durations;
import dev.stickyfail.config.StickyFailProperty;
import dev.stickyfail.tools.HaproxyConfig.Line;
import dev.stickyfail.tools.HaproxyConfig.Section;
import dev.stickyfail.tools.HaproxyServer.Setting;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Translates one {@code listen} or {@code backend} section into a {@code jdbc:stickyfail:} URL, and explains every
 * keyword: {@code mapped:} (and to what), {@code note:} (a difference in behaviour worth knowing) or
 * {@code not mapped:} (and why). The mapping is the HAProxy column of {@link StickyFailProperty}.
 */
final class HaproxyTranslation {

    /** The translation: the URL, then the explanation, one line each. */
    record Result(String url, List<String> explanation) {
    }

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    /** The stickyfail-hazelcast artifact's key for an embedded member's file (not visible from the driver). */
    static final String HAZELCAST_CONFIG = "stickyfail.hazelcast.config";
    /** Where the URL proposes each instance's Hazelcast member file; like the state file, a path to adapt. */
    static final String HAZELCAST_MEMBER_FILE = "/etc/stickyfail/hazelcast.yaml";
    private static final Set<String> GALERA_CHECKS = Set.of("clustercheck", "check_pxc", "pxc", "galera", "wsrep");
    /** Keywords of a defaults section that change what a backend does to its servers; the rest (logs) is not shown. */
    private static final Set<String> DEFAULTS_SHOWN = Set.of("mode", "timeout", "option", "no", "external-check",
            "default-server", "retries", "balance");

    private final String file;
    private final HaproxyConfig config;
    private final Section proxy;
    private final Section defaults;
    private final List<String> out = new ArrayList<>();
    private final Map<StickyFailProperty, String> params = new EnumMap<>(StickyFailProperty.class);
    /** The decision store's own settings ({@code stickyfail.<store>.<name>}), after {@link #params} in the URL. */
    private final Map<String, String> storeSettings = new LinkedHashMap<>();
    private final List<HaproxyServer> servers = new ArrayList<>();
    /** host:port of the kept servers, in URL order. */
    private final List<String> hostList = new ArrayList<>();
    private int bindPort = -1;

    private HaproxyTranslation(HaproxyConfig config, Section proxy) throws HaproxyConfigException {
        this.file = config.file();
        this.config = config;
        this.proxy = proxy;
        this.defaults = config.defaultsFor(proxy);
    }

    static Result translate(HaproxyConfig config, Section proxy) throws HaproxyConfigException {
        return new HaproxyTranslation(config, proxy).run();
    }

    private Result run() throws HaproxyConfigException {
        List<Line> inherited = new ArrayList<>();
        if (defaults != null) {
            for (Line l : defaults.lines()) {
                if (DEFAULTS_SHOWN.contains(l.keyword()) && !NoCounterpart.isLoggingOption(l)) {
                    inherited.add(l);
                }
            }
        }
        List<Line> own = proxy.lines();
        readServers(inherited, own);
        params.put(StickyFailProperty.GROUP, proxy.name());
        List<String> serverLines = describeServers();

        out.add("# " + proxy.title() + " (" + file + ", line " + proxy.line() + "). HAProxy knows no database: add "
                + "yours after the '/'; add user and password as Connector/J properties.");
        out.add("mapped: line " + proxy.line() + ": " + proxy.kind() + " " + proxy.name() + " -> "
                + prop(StickyFailProperty.GROUP, proxy.name()) + " (the name of the decision and of its MXBean)");
        out.addAll(serverLines);
        healthChecks();
        serverLevelSessions();
        Map<String, Line> proxyLevel = proxyKeywords(inherited, own);
        timeouts(proxyLevel);
        stickiness(own);
        others(inherited, own);
        return new Result(url(), List.copyOf(out));
    }

    // ---- servers ------------------------------------------------------------------------------------------------

    private void readServers(List<Line> inherited, List<Line> own) throws HaproxyConfigException {
        Map<String, Setting> defaultServer = new LinkedHashMap<>();
        for (Line l : inherited) {
            if (l.keyword().equals("default-server")) {
                HaproxyServer.readSettings(file, l, 1, defaultServer, true);
            }
        }
        for (Line l : own) {
            if (l.keyword().equals("default-server")) {
                HaproxyServer.readSettings(file, l, 1, defaultServer, true);
            } else if (l.keyword().equals("bind")) {
                bindPort = bindPort(l);
            }
        }
        for (Line l : own) {
            if (!l.keyword().equals("server")) {
                continue;
            }
            if (l.words().size() < 3) {
                throw HaproxyConfigException.at(file, l.number(), "'server' expects a name and an address "
                        + "(server <name> <address>[:<port>] [settings]), got '" + l.text() + "'");
            }
            HaproxyServer server = new HaproxyServer(l.word(1), l.word(2), l.number());
            server.settings().putAll(defaultServer);
            HaproxyServer.readSettings(file, l, 3, server.settings(), false);
            servers.add(server);
        }
    }

    private static int bindPort(Line bind) {
        String address = bind.word(1);
        if (address == null) {
            return -1;
        }
        int colon = address.lastIndexOf(':');
        String port = colon < 0 ? "" : address.substring(colon + 1);
        return port.matches("\\d{1,5}") ? Integer.parseInt(port) : -1;
    }

    /** Orders the servers (non-backup first, then backups, each in file order) and explains the order. */
    private List<String> describeServers() throws HaproxyConfigException {
        List<String> lines = new ArrayList<>();
        List<HaproxyServer> ordered = new ArrayList<>();
        servers.stream().filter(s -> !s.isBackup()).forEach(ordered::add);
        servers.stream().filter(HaproxyServer::isBackup).forEach(ordered::add);
        List<String> hosts = new ArrayList<>();
        List<HaproxyServer> kept = new ArrayList<>();
        List<String> placeholders = new ArrayList<>();
        for (HaproxyServer s : ordered) {
            String host = hostAndPort(s, lines, placeholders);
            if (host == null) {
                continue;
            }
            hosts.add(host);
            kept.add(s);
            String role = kept.size() == 1 ? "the primary" : kept.size() == 2 ? "the first backup" : "a backup";
            lines.add("mapped: line " + s.line() + ": server " + s.name() + " " + s.address()
                    + (s.isBackup() ? " backup" : "") + " -> " + ordinal(kept.size()) + " host, " + role);
        }
        if (kept.isEmpty()) {
            throw HaproxyConfigException.at(file, proxy.line(), proxy.title()
                    + " has no server stickyfail can connect to (see above)");
        }
        long active = kept.stream().filter(s -> !s.isBackup()).count();
        if (active > 1) {
            lines.add("note: " + active + " servers are not 'backup': HAProxy spreads connections over them; "
                    + "stickyfail sends every connection to one active server and fails over in the order above");
        }
        if (active == 0) {
            lines.add("note: every server is 'backup': HAProxy then uses the first one that is up, as stickyfail does");
        }
        if (!placeholders.isEmpty()) {
            lines.add("note: " + String.join(", ", placeholders) + ": not a host name or an IP address (a "
                    + "placeholder?); replace it in the URL");
        }
        servers.clear();
        servers.addAll(kept);
        hostList.addAll(hosts);
        return lines;
    }

    private String hostAndPort(HaproxyServer s, List<String> lines, List<String> placeholders) {
        String address = s.address();
        for (String prefix : List.of("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@")) {
            if (address.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                address = address.substring(prefix.length());
            }
        }
        if (address.startsWith("/") || address.contains("@")) {
            lines.add("not mapped: line " + s.line() + ": server " + s.name() + " " + s.address()
                    + ": not a TCP address; Connector/J connects over TCP only, so this server is left out");
            return null;
        }
        String host;
        String port;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            host = close < 0 ? address : address.substring(1, close);
            port = close >= 0 && close + 1 < address.length() && address.charAt(close + 1) == ':'
                    ? address.substring(close + 2) : "";
        } else {
            int colon = address.lastIndexOf(':');
            host = colon < 0 ? address : address.substring(0, colon);
            port = colon < 0 ? "" : address.substring(colon + 1);
        }
        if (host.isEmpty()) {
            lines.add("not mapped: line " + s.line() + ": server " + s.name() + " " + s.address()
                    + ": no host; stickyfail needs a host name or address to connect to, so this server is left out");
            return null;
        }
        boolean v6 = host.contains(":");
        if (!(v6 ? IPV6.matcher(host).matches() : HOST.matcher(host).matches())
                && !placeholders.contains("'" + host + "'")) {
            placeholders.add("'" + host + "'");
        }
        int portNumber;
        if (port.matches("\\d{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535) {
            portNumber = Integer.parseInt(port);
        } else if (port.isEmpty() || port.matches("[+-]\\d{1,5}")) {
            int offset = port.isEmpty() ? 0 : Integer.parseInt(port);
            portNumber = bindPort > 0 ? bindPort + offset : 3306;
            lines.add("note: line " + s.line() + ": server " + s.name() + " has " + (port.isEmpty() ? "no port"
                    : "the relative port " + port) + ": HAProxy uses the port the client connected to; "
                    + (bindPort > 0 ? "the bind port " + bindPort + (offset == 0 ? "" : " " + port) + " gives "
                    + portNumber : "no bind port is known here, so MySQL's 3306 is used"));
        } else {
            lines.add("not mapped: line " + s.line() + ": server " + s.name() + " " + s.address()
                    + ": port '" + port + "' is not a port number from 1 to 65535; this server is left out");
            return null;
        }
        return (v6 ? "[" + host + "]" : host) + ":" + portNumber;
    }

    private static String ordinal(int n) {
        switch (n) {
            case 1:
                return "1st";
            case 2:
                return "2nd";
            case 3:
                return "3rd";
            default:
                return n + "th";
        }
    }

    // ---- health checks --------------------------------------------------------------------------------------------

    private void healthChecks() throws HaproxyConfigException {
        List<HaproxyServer> unchecked = servers.stream().filter(s -> s.get("check") == null).toList();
        if (!unchecked.isEmpty()) {
            out.add("note: " + lines(unchecked.stream().map(HaproxyServer::line).toList()) + ": "
                    + unchecked.stream().map(HaproxyServer::name).collect(Collectors.joining(", "))
                    + " without 'check': HAProxy never probes "
                    + (unchecked.size() == 1 ? "it and always counts it" : "them and always counts them")
                    + " up; stickyfail probes every server");
        }
        Duration inter = time("inter", StickyFailProperty.CHECK_INTERVAL, "check inter");
        time("fastinter", StickyFailProperty.CHECK_FAST_INTERVAL, "fastinter");
        time("downinter", StickyFailProperty.CHECK_DOWN_INTERVAL, "downinter");
        List<String> unset = new ArrayList<>();
        for (String k : List.of("fastinter", "downinter")) {
            if (servers.get(0).get(k) == null) {
                unset.add(k);
            }
        }
        if (inter != null && !unset.isEmpty()) {
            out.add("note: " + String.join(" and ", unset) + " not set: HAProxy probes every "
                    + Durations.format(inter) + " in every state; stickyfail keeps its "
                    + (unset.size() == 2 ? "defaults " : "default ")
                    + unset.stream().map(k -> k.equals("fastinter")
                            ? prop(StickyFailProperty.CHECK_FAST_INTERVAL, StickyFailProperty.CHECK_FAST_INTERVAL.defaultValue()) + " (while a server changes state)"
                            : prop(StickyFailProperty.CHECK_DOWN_INTERVAL, StickyFailProperty.CHECK_DOWN_INTERVAL.defaultValue()) + " (while it is down)")
                            .collect(Collectors.joining(" and ")));
        }
        count("rise", StickyFailProperty.RISE);
        count("fall", StickyFailProperty.FALL);
        for (String observe : List.of("observe", "on-error", "error-limit")) {
            List<HaproxyServer> with = servers.stream().filter(s -> s.get(observe) != null).toList();
            if (!with.isEmpty()) {
                out.add("mapped: " + settingLines(with, observe) + ": " + observe + " "
                        + with.get(0).get(observe).value() + " -> " + prop(StickyFailProperty.OBSERVE, "true")
                        + " (the default: errors on application connections count as failed probes)");
            }
        }
        checkType();
    }

    /** Maps a per-server time setting; returns the primary's value, or null when not set. */
    private Duration time(String keyword, StickyFailProperty property, String label) throws HaproxyConfigException {
        Setting primary = servers.get(0).get(keyword);
        List<HaproxyServer> with = servers.stream().filter(s -> s.get(keyword) != null).toList();
        if (with.isEmpty()) {
            return null;
        }
        Duration value = null;
        for (HaproxyServer s : with) {
            Duration d = HaproxyTime.parseOrNull(s.get(keyword).value());
            if (d == null) {
                throw HaproxyConfigException.at(file, s.get(keyword).line(), keyword + " '" + s.get(keyword).value()
                        + "' is not a time; expected " + HaproxyTime.EXPECTED);
            }
            if (d.isZero()) {
                throw HaproxyConfigException.at(file, s.get(keyword).line(), keyword + " '" + s.get(keyword).value()
                        + "' must be greater than zero");
            }
            if (s == servers.get(0)) {
                value = d;
            }
        }
        if (primary == null) {
            out.add("not mapped: " + settingLines(with, keyword) + ": " + keyword + " is set on backups only; "
                    + "stickyfail has one setting for the whole group and keeps its default "
                    + prop(property, property.defaultValue()));
            return null;
        }
        String mapped = Durations.format(value);
        add(property, mapped);
        out.add("mapped: " + settingLines(with, keyword) + ": " + label + " " + primary.value() + " -> "
                + prop(property, mapped) + defaultNote(property, mapped));
        differing(keyword, with, property);
        return value;
    }

    private void count(String keyword, StickyFailProperty property) throws HaproxyConfigException {
        List<HaproxyServer> with = servers.stream().filter(s -> s.get(keyword) != null).toList();
        if (with.isEmpty()) {
            return;
        }
        for (HaproxyServer s : with) {
            if (!s.get(keyword).value().matches("\\d{1,9}")) {
                throw HaproxyConfigException.at(file, s.get(keyword).line(), keyword + " '" + s.get(keyword).value()
                        + "' is not a whole number");
            }
        }
        Setting primary = servers.get(0).get(keyword);
        if (primary == null) {
            out.add("not mapped: " + settingLines(with, keyword) + ": " + keyword + " is set on backups only; "
                    + "stickyfail has one setting for the whole group and keeps its default "
                    + prop(property, property.defaultValue()));
            return;
        }
        int n = Integer.parseInt(primary.value());
        if (n < 1 || n > 100) {
            out.add("not mapped: " + settingLines(with, keyword) + ": " + keyword + " " + primary.value()
                    + ": stickyfail accepts 1 to 100 and keeps its default " + prop(property, property.defaultValue()));
            return;
        }
        String mapped = Integer.toString(n);
        add(property, mapped);
        out.add("mapped: " + settingLines(with, keyword) + ": " + keyword + " " + primary.value() + " -> "
                + prop(property, mapped) + defaultNote(property, mapped));
        differing(keyword, with, property);
    }

    private void differing(String keyword, List<HaproxyServer> with, StickyFailProperty property) {
        Setting primary = servers.get(0).get(keyword);
        List<String> others = new ArrayList<>();
        for (HaproxyServer s : servers) {
            Setting v = s.get(keyword);
            if (v == null || !v.value().equals(primary.value())) {
                others.add(s.name() + " " + (v == null ? "(not set)" : v.value()));
            }
        }
        if (!others.isEmpty()) {
            out.add("note: " + keyword + " differs between servers (" + String.join(", ", others)
                    + "): stickyfail has one " + property.key() + " for the group and uses the primary's "
                    + primary.value());
        }
    }

    private void checkType() throws HaproxyConfigException {
        Map<String, Line> options = new LinkedHashMap<>();
        Line externalCommand = null;
        for (Line l : allLines()) {
            if (l.keyword().equals("option") && l.word(1) != null) {
                options.put(l.word(1).toLowerCase(Locale.ROOT), l);
            } else if (l.keyword().equals("no") && "option".equalsIgnoreCase(l.word(1)) && l.word(2) != null) {
                options.remove(l.word(2).toLowerCase(Locale.ROOT));
            } else if (l.keyword().equals("external-check") && "command".equalsIgnoreCase(l.word(1))) {
                if (l.word(2) == null) {
                    throw HaproxyConfigException.at(file, l.number(), "'external-check command' expects the "
                            + "path of a script");
                }
                externalCommand = l;
            }
        }
        boolean anyCheck = servers.stream().anyMatch(s -> s.get("check") != null);
        Line mysql = options.get("mysql-check");
        Line external = options.get("external-check");
        if (external != null) {
            String command = externalCommand == null ? null : externalCommand.word(2);
            String script = command == null ? "" : command.substring(command.lastIndexOf('/') + 1)
                    .toLowerCase(Locale.ROOT);
            String where = externalCommand == null ? lineRef(external)
                    : "lines " + external.number() + ", " + externalCommand.number();
            if (GALERA_CHECKS.stream().anyMatch(script::contains)) {
                add(StickyFailProperty.CHECK, "galera");
                out.add("mapped: " + where + ": option external-check + external-check command " + command
                        + " -> " + prop(StickyFailProperty.CHECK, "galera")
                        + " (a node takes traffic only while wsrep_local_state=4 (Synced), wsrep_ready=ON and "
                        + "wsrep_cluster_status=Primary)");
                out.add("mapped: " + where + ": " + script + "'s AVAILABLE_WHEN_DONOR (default 0) -> "
                        + prop(StickyFailProperty.GALERA_AVAILABLE_WHEN_DONOR, "false")
                        + " (the default; set true if your script runs with AVAILABLE_WHEN_DONOR=1)");
                out.add("note: " + where + ": " + script + " may also refuse a node for pxc_maint_mode or "
                        + "read_only; the galera probe does not look at them: take a node out with the admin API "
                        + "(setMaintenance or drain, over JMX or GroupAdmin)");
            } else {
                out.add("not mapped: " + where + ": option external-check"
                        + (command == null ? "" : " + external-check command " + command)
                        + ": stickyfail runs no scripts; express the script's test as "
                        + StickyFailProperty.CHECK.key() + "=sql with " + StickyFailProperty.CHECK_SQL.key()
                        + "=<a query whose first column is true when the server may take traffic>, or register a "
                        + "dev.stickyfail.probe.ProbeFactory; the default mysql probe is used meanwhile");
            }
        } else if (mysql != null) {
            String user = null;
            if ("user".equalsIgnoreCase(mysql.word(2))) {
                user = mysql.word(3);
                if (user == null) {
                    throw HaproxyConfigException.at(file, mysql.number(), "'option mysql-check user' expects a "
                            + "user name");
                }
            }
            out.add("mapped: " + lineRef(mysql) + ": " + mysql.text() + " -> " + prop(StickyFailProperty.CHECK, "mysql")
                    + " (the default: a real login and a ping)" + (user == null ? "" : " and "
                    + prop(StickyFailProperty.CHECK_USER, user)));
            if (user != null) {
                add(StickyFailProperty.CHECK_USER, user);
                out.add("note: " + lineRef(mysql) + ": HAProxy's mysql-check user has no password, and stickyfail "
                        + "logs in as " + user + " without one; set " + StickyFailProperty.CHECK_PASSWORD.key()
                        + " if it has one (the probe completes a real login)");
            }
        } else if (options.containsKey("httpchk")) {
            out.add("not mapped: " + lineRef(options.get("httpchk")) + ": option httpchk: an HTTP check (PXC's "
                    + "clustercheck behind xinetd answers on port 9200): for Galera or PXC use "
                    + prop(StickyFailProperty.CHECK, "galera") + "; otherwise " + StickyFailProperty.CHECK.key()
                    + "=sql; the default mysql probe is used meanwhile");
        } else if (options.containsKey("tcp-check")) {
            out.add("not mapped: " + lineRef(options.get("tcp-check")) + ": option tcp-check: scripted TCP "
                    + "exchanges are not supported; " + prop(StickyFailProperty.CHECK, "tcp")
                    + " is a plain connect, the default mysql probe a real login; the mysql probe is used");
        } else if (anyCheck) {
            add(StickyFailProperty.CHECK, "tcp");
            List<HaproxyServer> checked = servers.stream().filter(x -> x.get("check") != null).toList();
            out.add("mapped: " + settingLines(checked, "check") + ": check, with no check option -> "
                    + prop(StickyFailProperty.CHECK, "tcp")
                    + " (HAProxy's plain check is a TCP connect; leave it out for the mysql probe, a real "
                    + "login and a ping)");
        }
        for (String other : List.of("pgsql-check", "redis-check", "ldap-check", "smtpchk", "ssl-hello-chk",
                "spop-check")) {
            if (options.containsKey(other)) {
                out.add("not mapped: " + lineRef(options.get(other)) + ": option " + other + " is not a MySQL "
                        + "check; the mysql probe is used");
            }
        }
    }

    // ---- sessions, timeouts, stickiness -------------------------------------------------------------------------

    private void serverLevelSessions() {
        List<HaproxyServer> down = servers.stream().filter(s -> s.get("on-marked-down") != null).toList();
        if (!down.isEmpty()) {
            String value = down.get(0).get("on-marked-down").value();
            out.add("mapped: " + settingLines(down, "on-marked-down") + ": on-marked-down " + value + " -> "
                    + prop(StickyFailProperty.ON_MARKED_DOWN, "shutdown-sessions")
                    + " (the default; stickyfail applies it to every server)");
        } else {
            out.add("note: no on-marked-down shutdown-sessions: HAProxy leaves open sessions on a server marked "
                    + "down; stickyfail aborts them by default (" + prop(StickyFailProperty.ON_MARKED_DOWN, "keep")
                    + " leaves them until a switch), and after any switch aborts every connection to the server left");
        }
        List<HaproxyServer> up = servers.stream().filter(s -> s.get("on-marked-up") != null).toList();
        if (!up.isEmpty()) {
            boolean onPrimary = up.stream().anyMatch(s -> !s.isBackup());
            if (onPrimary) {
                add(StickyFailProperty.FAILBACK, "primary-up");
                out.add("mapped: " + settingLines(up, "on-marked-up") + ": on-marked-up "
                        + up.get(0).get("on-marked-up").value() + " -> " + prop(StickyFailProperty.FAILBACK, "primary-up")
                        + " (traffic returns to the primary when it is up again, and connections to the backup are "
                        + "aborted: two failovers for one failure; leave it out to stay on the new server)");
            } else {
                out.add("not mapped: " + settingLines(up, "on-marked-up") + ": on-marked-up on backup servers only: "
                        + "a backup coming up takes no traffic from an active server; nothing to do");
            }
        }
    }

    /** The last value of every proxy-level keyword (the backend's own over the defaults'). */
    private Map<String, Line> proxyKeywords(List<Line> inherited, List<Line> own) {
        Map<String, Line> last = new LinkedHashMap<>();
        for (List<Line> lines : List.of(inherited, own)) {
            for (Line l : lines) {
                if (l.keyword().equals("timeout") && l.word(1) != null) {
                    last.put("timeout " + l.word(1).toLowerCase(Locale.ROOT), l);
                }
            }
        }
        return last;
    }

    private void timeouts(Map<String, Line> proxyLevel) throws HaproxyConfigException {
        Line check = proxyLevel.get("timeout check");
        if (check != null) {
            mapTimeout(check, StickyFailProperty.CHECK_TIMEOUT,
                    " (HAProxy adds the connect time to it; stickyfail's is the limit for the whole probe)");
        } else if (servers.get(0).get("inter") != null) {
            out.add("note: timeout check not set: HAProxy lets a probe run for up to inter; stickyfail keeps its "
                    + "default " + prop(StickyFailProperty.CHECK_TIMEOUT, StickyFailProperty.CHECK_TIMEOUT.defaultValue())
                    + ": a slower probe fails");
        }
        Line connect = proxyLevel.get("timeout connect");
        if (connect != null) {
            mapTimeout(connect, StickyFailProperty.CONNECT_TIMEOUT, "");
        }
        Line queue = proxyLevel.get("timeout queue");
        if (queue != null) {
            mapTimeout(queue, StickyFailProperty.FAILOVER_TIMEOUT,
                    " (how long a new connection waits for a usable server)");
        }
    }

    private void mapTimeout(Line l, StickyFailProperty property, String why) throws HaproxyConfigException {
        Duration d = l.word(2) == null ? null : HaproxyTime.parseOrNull(l.word(2));
        if (d == null) {
            throw HaproxyConfigException.at(file, l.number(), "'timeout " + l.word(1) + "' expects a time ("
                    + HaproxyTime.EXPECTED + "), got " + (l.word(2) == null ? "nothing" : "'" + l.word(2) + "'"));
        }
        if (d.isZero() && property != StickyFailProperty.FAILOVER_TIMEOUT) {
            out.add("not mapped: " + lineRef(l) + ": " + l.text() + ": stickyfail needs a limit greater than zero "
                    + "and keeps its default " + prop(property, property.defaultValue()));
            return;
        }
        String mapped = Durations.format(d);
        add(property, mapped);
        out.add("mapped: " + lineRef(l) + ": " + l.text() + " -> " + prop(property, mapped) + why
                + defaultNote(property, mapped));
    }

    private void stickiness(List<Line> own) throws HaproxyConfigException {
        Line table = null;
        List<Line> stick = new ArrayList<>();
        for (Line l : own) {
            if (l.keyword().equals("stick-table")) {
                table = l;
            } else if (l.keyword().equals("stick")) {
                stick.add(l);
            }
        }
        if (table == null && stick.isEmpty()) {
            if (params.containsKey(StickyFailProperty.FAILBACK)) {
                return;
            }
            out.add("note: no stick-table: HAProxy returns to the primary as soon as it is up again; stickyfail "
                    + "stays on the server it failed over to (" + prop(StickyFailProperty.FAILBACK, "never")
                    + ", the default) unless failback is set");
            return;
        }
        List<Line> all = new ArrayList<>(stick);
        if (table != null) {
            all.add(0, table);
        }
        out.add("mapped: " + lines(all.stream().map(Line::number).toList()) + ": "
                + all.stream().map(Line::text).collect(Collectors.joining(" + "))
                + " -> built in: one active server for the group, kept until it is marked down ("
                + prop(StickyFailProperty.FAILBACK, "never") + ", the default)");
        String peersName = table == null ? null : valueAfter(table, "peers");
        if (peersName == null) {
            out.add("note: the stick table has no peers: HAProxy forgets it on a reload, stickyfail on a restart of "
                    + "the application; set " + StickyFailProperty.STATE_FILE.key() + " to keep it");
            return;
        }
        Section peers = config.sections().stream()
                .filter(s -> s.kind().equals("peers") && peersName.equals(s.name())).findFirst().orElse(null);
        if (peers == null) {
            throw HaproxyConfigException.at(file, table.number(), "stick-table names peers '" + peersName
                    + "', and there is no peers section of that name");
        }
        List<Line> peerLines = peers.lines().stream()
                .filter(l -> l.keyword().equals("peer") || l.keyword().equals("server")).toList();
        String stateFile = "/var/lib/stickyfail/" + proxy.name() + ".state";
        add(StickyFailProperty.STATE_FILE, stateFile);
        out.add("mapped: line " + peers.line() + ": peers " + peersName + " (the local peer keeps the table "
                + "across a reload) -> " + prop(StickyFailProperty.STATE_FILE, stateFile)
                + " (choose a path on a persistent disk the application can write, one file per instance)");
        if (peerLines.size() > 1) {
            // Both settings, so that the URL is complete once the member file exists: store=hazelcast alone is refused
            // at the first connection, and store=local would let every instance decide alone.
            add(StickyFailProperty.STORE, "hazelcast");
            storeSettings.put(HAZELCAST_CONFIG, HAZELCAST_MEMBER_FILE);
            out.add("mapped: " + lines(peerLines.stream().map(Line::number).toList()) + ": " + peerLines.size()
                    + " peers share the table between HAProxy instances -> "
                    + prop(StickyFailProperty.STORE, "hazelcast") + " and " + HAZELCAST_CONFIG + "="
                    + HAZELCAST_MEMBER_FILE + " (one decision for every application instance, in Hazelcast's CP "
                    + "Subsystem: add the dev.stickyfail:stickyfail-hazelcast artifact and write each instance's "
                    + "Hazelcast member file at that path, three CP members in all (docs/several-instances.md); until "
                    + "both are there the first connection fails with 08001 naming what is missing, and no instance "
                    + "decides alone)");
        }
    }

    private static String valueAfter(Line l, String keyword) {
        for (int i = 1; i + 1 < l.words().size(); i++) {
            if (l.words().get(i).equalsIgnoreCase(keyword)) {
                return l.words().get(i + 1);
            }
        }
        return null;
    }

    // ---- everything else ------------------------------------------------------------------------------------------

    private static final Set<String> HANDLED_PROXY = Set.of("server", "default-server", "stick-table", "stick",
            "external-check");
    private static final Set<String> HANDLED_SERVER = Set.of("backup", "check", "inter", "fastinter", "downinter",
            "rise", "fall", "on-marked-down", "on-marked-up", "observe", "on-error", "error-limit");

    private void others(List<Line> inherited, List<Line> own) {
        Set<String> ownKeys = own.stream().map(HaproxyTranslation::overrideKey).collect(Collectors.toSet());
        for (List<Line> lines : List.of(inherited, own)) {
            boolean fromDefaults = lines == inherited;
            for (Line l : lines) {
                String k = l.keyword();
                if (fromDefaults && ownKeys.contains(overrideKey(l))) {
                    continue; // the backend's own line says what counts
                }
                if (HANDLED_PROXY.contains(k) || (k.equals("timeout") && isMappedTimeout(l)) || isCheckOption(l)) {
                    continue;
                }
                String where = lineRef(l) + (fromDefaults ? " (defaults)" : "");
                String why = NoCounterpart.proxyKeyword(l, servers.stream().filter(x -> !x.isBackup()).count());
                if (why == null) {
                    out.add("mapped: " + where + ": " + l.text() + " -> nothing to set: stickyfail speaks MySQL "
                            + "through Connector/J");
                } else if (!why.isEmpty()) {
                    out.add("not mapped: " + where + ": " + l.text() + ": " + why);
                }
            }
        }
        Map<String, List<HaproxyServer>> unmapped = new LinkedHashMap<>();
        for (HaproxyServer s : servers) {
            for (String k : s.settings().keySet()) {
                if (!HANDLED_SERVER.contains(k)) {
                    unmapped.computeIfAbsent(k, x -> new ArrayList<>()).add(s);
                }
            }
        }
        for (Map.Entry<String, List<HaproxyServer>> e : unmapped.entrySet()) {
            String k = e.getKey();
            Setting first = e.getValue().get(0).get(k);
            out.add("not mapped: " + settingLines(e.getValue(), k) + ": " + k
                    + (first.value().isEmpty() ? "" : " " + first.value()) + ": " + NoCounterpart.serverKeyword(k));
        }
    }

    /** Lines with the same key override each other: "timeout server", "option x", "mode". */
    private static String overrideKey(Line l) {
        String k = l.keyword();
        boolean twoWords = (k.equals("timeout") || k.equals("option")) && l.word(1) != null;
        return twoWords ? k + " " + l.word(1).toLowerCase(Locale.ROOT) : k;
    }

    private static boolean isMappedTimeout(Line l) {
        String which = l.word(1) == null ? "" : l.word(1).toLowerCase(Locale.ROOT);
        return which.equals("check") || which.equals("connect") || which.equals("queue");
    }

    private static boolean isCheckOption(Line l) {
        String option = l.keyword().equals("option") ? l.word(1)
                : l.keyword().equals("no") && "option".equalsIgnoreCase(l.word(1)) ? l.word(2) : null;
        return option != null && Set.of("mysql-check", "external-check", "httpchk", "tcp-check", "pgsql-check",
                "redis-check", "ldap-check", "smtpchk", "ssl-hello-chk", "spop-check")
                .contains(option.toLowerCase(Locale.ROOT));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private List<Line> allLines() {
        List<Line> all = new ArrayList<>();
        if (defaults != null) {
            all.addAll(defaults.lines());
        }
        all.addAll(proxy.lines());
        return all;
    }

    private void add(StickyFailProperty property, String value) {
        params.put(property, value);
    }

    private static String defaultNote(StickyFailProperty property, String value) {
        return Objects.equals(property.defaultValue(), value) ? " (stickyfail's default)" : "";
    }

    private static String prop(StickyFailProperty property, String value) {
        return property.key() + "=" + value;
    }

    private String lineRef(Line l) {
        return "line " + l.number();
    }

    private String settingLines(List<HaproxyServer> with, String keyword) {
        return lines(with.stream().map(s -> s.get(keyword).line()).toList());
    }

    /** "line 7", "lines 7-9" or "lines 7, 9, 12". */
    static String lines(List<Integer> numbers) {
        TreeSet<Integer> sorted = new TreeSet<>(numbers);
        if (sorted.size() == 1) {
            return "line " + sorted.first();
        }
        boolean consecutive = sorted.last() - sorted.first() == sorted.size() - 1;
        return consecutive ? "lines " + sorted.first() + "-" + sorted.last()
                : "lines " + sorted.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private String url() {
        StringBuilder sb = new StringBuilder("jdbc:stickyfail:mysql://").append(String.join(",", hostList)).append('/');
        char sep = '?';
        for (Map.Entry<StickyFailProperty, String> e : params.entrySet()) {
            if (Objects.equals(e.getKey().defaultValue(), e.getValue())) {
                continue;
            }
            sb.append(sep).append(e.getKey().key()).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        for (Map.Entry<String, String> e : storeSettings.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        return sb.toString();
    }

    /** Percent-encodes what a URL query value cannot carry as is ({@code URLDecoder} reads it back). */
    static String encode(String value) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/:@,".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }
}
