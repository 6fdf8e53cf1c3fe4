package dev.stickyfail.tools;

import dev.stickyfail.config.StickyFailProperty;
import dev.stickyfail.tools.HaproxyConfig.Line;

import java.util.Locale;
import java.util.Set;

/** Why an HAProxy keyword has no stickyfail counterpart, in words for the {@code not mapped:} lines. */
final class NoCounterpart {

    static final Set<String> LOGGING_OPTIONS = Set.of("tcplog", "httplog", "dontlognull", "log-separate-errors",
            "logasap", "dontlog-normal", "log-health-checks", "httpslog");

    private NoCounterpart() {
    }

    static boolean isLoggingOption(Line l) {
        return l.keyword().equals("option") && l.word(1) != null
                && LOGGING_OPTIONS.contains(l.word(1).toLowerCase(Locale.ROOT));
    }


    /**
     * Why a listen/backend keyword has no equivalent; null when it needs nothing (mode tcp); "" to say nothing.
     * {@code activeServers}: the servers that are not {@code backup}.
     */
    static String proxyKeyword(Line l, long activeServers) {
        String k = l.keyword();
        String arg = l.word(1) == null ? "" : l.word(1).toLowerCase(Locale.ROOT);
        switch (k) {
            case "mode":
                return arg.equals("tcp") ? null : "stickyfail replaces MySQL (mode tcp) backends only";
            case "bind":
                return "stickyfail listens nowhere: the application connects to the servers itself";
            case "balance":
                return activeServers > 1 ? "stickyfail sends every connection to one active server; the balance algorithm "
                        + "only spreads load over several active servers"
                        : "no effect with one active server, in HAProxy as in stickyfail";
            case "retries":
                return "getConnection keeps trying for up to " + StickyFailProperty.FAILOVER_TIMEOUT.key();
            case "maxconn":
            case "fullconn":
                return "a proxy-wide connection limit; size the application's connection pool instead";
            case "timeout":
                return arg.equals("server") || arg.equals("client") || arg.equals("tunnel")
                        ? "an inactivity limit of the proxy's sessions; with no proxy in between, use Connector/J's "
                        + "socketTimeout if the application wants a read limit"
                        : "a proxy timeout with no counterpart without a proxy";
            case "option":
                switch (arg) {
                    case "srvtcpka":
                    case "clitcpka":
                    case "tcpka":
                        return "TCP keep-alive: Connector/J enables it on every connection by default "
                                + "(tcpKeepAlive=true)";
                    case "redispatch":
                        return "built in: a new connection never waits for a server that is down";
                    case "allbackups":
                        return "stickyfail uses one backup at a time, in URL order";
                    default:
                        return LOGGING_OPTIONS.contains(arg) ? "logging: stickyfail logs through SLF4J (lines prefixed "
                                + "stickyfail[<group>]) and publishes events to listeners"
                                : "a proxy option with no counterpart without a proxy";
                }
            case "log":
            case "log-format":
            case "log-tag":
            case "error-log-format":
                return "logging: stickyfail logs through SLF4J (lines prefixed stickyfail[<group>]) and publishes "
                        + "events to listeners";
            case "stats":
                return "runtime API: the group's MXBean dev.stickyfail:type=Group,name=<group> and GroupAdmin";
            case "description":
            case "id":
                return "";
            case "disabled":
                return "the whole proxy is disabled in HAProxy";
            default:
                return "not a health-check or failover setting; stickyfail has no counterpart";
        }
    }

    static String serverKeyword(String k) {
        switch (k) {
            case "weight":
                return "stickyfail sends every connection to one active server; weights only share load between "
                        + "active servers";
            case "maxconn":
            case "maxqueue":
            case "minconn":
                return "a per-server connection limit of the proxy; size the application's connection pool instead";
            case "slowstart":
                return "ramps up a server's weight; with one active server at a time there is nothing to ramp";
            case "port":
            case "addr":
                return "probes another " + k + "; stickyfail probes each server at the address it connects to";
            case "disabled":
                return "the server starts in maintenance; with stickyfail use setMaintenance(server, true) over JMX "
                        + "or GroupAdmin";
            case "track":
                return "stickyfail probes every server itself";
            case "send-proxy":
            case "send-proxy-v2":
            case "send-proxy-v2-ssl":
            case "send-proxy-v2-ssl-cn":
            case "check-send-proxy":
                return "the PROXY protocol header: without a proxy the server sees the application's own address";
            case "ssl":
            case "check-ssl":
            case "verify":
            case "ca-file":
            case "crt":
            case "sni":
            case "check-sni":
            case "ciphers":
            case "ciphersuites":
            case "ssl-min-ver":
            case "ssl-max-ver":
            case "alpn":
                return "TLS to the server: set Connector/J's sslMode (and trustCertificateKeyStoreUrl) in the URL";
            case "resolvers":
            case "resolve-prefer":
            case "init-addr":
            case "resolve-opts":
            case "resolve-net":
                return "DNS: Connector/J resolves the host name at every connect (the JVM's DNS cache applies)";
            case "id":
            case "cookie":
            case "redir":
            case "non-stick":
            case "stick":
                return "no effect on a single active MySQL server";
            default:
                return k.startsWith("agent-") || k.equals("agent-check")
                        ? "agent checks are not supported; express the agent's verdict as "
                        + StickyFailProperty.CHECK.key() + "=sql or a ProbeFactory"
                        : "not a health-check or failover setting; stickyfail has no counterpart";
        }
    }
}
