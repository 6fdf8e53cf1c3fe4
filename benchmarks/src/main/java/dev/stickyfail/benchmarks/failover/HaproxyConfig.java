package dev.stickyfail.benchmarks.failover;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code haproxy.cfg} of the HAProxy contenders, written as the users in front of master-master MySQL/PXC write
 * theirs: {@code mode tcp}, {@code option mysql-check}, the first server active and the others {@code backup}, every
 * server {@code on-marked-down shutdown-sessions}, and a one-entry stick table ({@code stick on int(1)}) so that
 * traffic stays on the backup once it got there; optionally a {@code peers} section naming the local peer, which is
 * what keeps the stick table across a reload.
 *
 * @param bindPort    where the application connects, on 127.0.0.1
 * @param servers     {@code host:port} of each server as the proxy reaches it; the first is the active one
 * @param checkUser   the password-less user {@code mysql-check} logs in as
 * @param checks      {@code inter}, {@code fall}, {@code rise}
 * @param localPeer   whether the stick table is attached to a {@code peers} section naming the local peer
 * @param peerPort    the local peer's port (unused without {@code localPeer})
 * @param statsSocket the admin stats socket, in the run's temporary directory
 */
record HaproxyConfig(int bindPort, List<String> servers, String checkUser, Checks checks, boolean localPeer,
                     int peerPort, Path statsSocket) {

    /** The backend's name, as the stats socket and the log lines call it. */
    static final String BACKEND = "mysql";
    /** The local peer's name ({@code localpeer} in {@code global}). */
    static final String PEER_NAME = "bench";

    /** {@code check inter <inter> fall <fall> rise <rise>}. */
    record Checks(int interMillis, int fall, int rise) {

        static final Checks DEFAULT = new Checks(500, 5, 2);

        Checks {
            if (interMillis < 10 || fall < 1 || rise < 1) {
                throw new IllegalArgumentException("HAProxy checks need inter >= 10 (ms), fall >= 1 and rise >= 1, were inter="
                        + interMillis + " fall=" + fall + " rise=" + rise);
            }
        }

        /** {@code inter=500&fall=5&rise=2}, any subset, in milliseconds for inter. */
        static Checks parse(String spec) {
            int inter = DEFAULT.interMillis;
            int fall = DEFAULT.fall;
            int rise = DEFAULT.rise;
            for (String pair : spec.split("&")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair.trim() : pair.substring(0, eq).trim();
                String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
                switch (key) {
                    case "inter" -> inter = number(key, value);
                    case "fall" -> fall = number(key, value);
                    case "rise" -> rise = number(key, value);
                    default -> throw new IllegalArgumentException("'" + pair + "' is not an HAProxy check setting; expected "
                            + "inter=<ms>, fall=<n> or rise=<n>, e.g. haproxy:inter=500&fall=5&rise=2");
                }
            }
            return new Checks(inter, fall, rise);
        }

        private static int number(String key, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("HAProxy's " + key + " must be a whole number" + (key.equals("inter")
                        ? " of milliseconds" : "") + ", was '" + value + "'");
            }
        }

        String text() {
            return "check inter " + interMillis + " fall " + fall + " rise " + rise;
        }
    }

    HaproxyConfig withStatsSocket(Path socket) {
        return new HaproxyConfig(bindPort, servers, checkUser, checks, localPeer, peerPort, socket);
    }

    /** The configuration file's text. */
    String text() {
        List<String> l = new ArrayList<>();
        l.add("global");
        l.add("    stats socket " + statsSocket + " mode 600 level admin");
        if (localPeer) {
            l.add("    localpeer " + PEER_NAME);
        }
        l.add("");
        if (localPeer) {
            l.add("peers local");
            l.add("    peer " + PEER_NAME + " 127.0.0.1:" + peerPort);
            l.add("");
        }
        // the defaults of the first user report (a reload that emptied the stick table broke replication)
        l.add("defaults");
        l.add("    mode tcp");
        l.add("    retries 2");
        l.add("    timeout connect 100ms");
        l.add("    timeout client 3600s");
        l.add("    timeout server 3600s");
        l.add("");
        l.add("listen " + BACKEND);
        l.add("    bind 127.0.0.1:" + bindPort);
        l.add("    option mysql-check user " + checkUser);
        l.add("    stick-table type integer size 1" + (localPeer ? " peers local" : ""));
        l.add("    stick on int(1)");
        for (int i = 0; i < servers.size(); i++) {
            l.add("    server db" + i + " " + servers.get(i) + " " + checks.text() + (i == 0 ? "" : " backup")
                    + " on-marked-down shutdown-sessions");
        }
        return String.join("\n", l) + "\n";
    }
}
