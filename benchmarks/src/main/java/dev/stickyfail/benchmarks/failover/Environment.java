package dev.stickyfail.benchmarks.failover;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** Where and with what a benchmark ran, for the report. */
record Environment(Map<String, String> facts) {

    /** @param serverVersion {@code SELECT VERSION()} of the servers: MariaDB's or MySQL's (the testkit's flavour) */
    static Environment capture(String serverVersion) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("date", ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")));
        facts.put("machine", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + memory());
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + osRelease());
        facts.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        facts.put("load average at start", loadAverage());
        Properties versions = new Properties();
        try (InputStream in = Environment.class.getResourceAsStream("/dev/stickyfail/benchmarks/versions.properties")) {
            if (in != null) {
                versions.load(in);
            }
        } catch (IOException e) {
            // versions stay unknown
        }
        facts.put("stickyfail", versions.getProperty("stickyfail", "?"));
        facts.put("MySQL Connector/J", versions.getProperty("mysql-connector-j", "?"));
        facts.put("HikariCP", versions.getProperty("hikaricp", "?") + ", aliveBypassWindowMs "
                + System.getProperty("com.zaxxer.hikari.aliveBypassWindowMs", "500 (default)"));
        String product = serverVersion.toLowerCase(Locale.ROOT).contains("mariadb") ? "MariaDB " : "MySQL ";
        facts.put("servers", product + serverVersion.replaceFirst("-MariaDB.*$", "")
                + " (testkit: 2 servers on 127.0.0.1, master-master GTID replication)");
        return new Environment(facts);
    }

    Environment with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(facts);
        copy.put(key, value);
        return new Environment(copy);
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0) + " GiB")
                    .findFirst().orElse("?");
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String osRelease() {
        try {
            return Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
                    .map(l -> " (" + l.substring(l.indexOf('=') + 1).replace("\"", "") + ")").findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
