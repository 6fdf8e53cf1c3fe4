package dev.stickyfail.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache of unpacked binaries and data-directory templates, {@code ${user.home}/.cache/stickyfail} (or
 * {@code -Dstickyfail.testkit.cacheDir}), shared by every JVM on the host.
 *
 * <p>Each entry is built in a temporary directory beside its final place and renamed into place atomically
 * ({@link #publish}), so two JVMs that build it at the same time both succeed and one result wins; a half-built
 * entry never becomes visible. An entry is complete when it holds {@value #COMPLETE_MARKER}.
 */
final class CacheDirs {

    private static final Logger LOG = LoggerFactory.getLogger(CacheDirs.class);
    static final String COMPLETE_MARKER = ".complete";

    private CacheDirs() {
    }

    static Path root() {
        String configured = System.getProperty("stickyfail.testkit.cacheDir");
        Path root = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "stickyfail");
        return root.toAbsolutePath();
    }

    /** Builds what lives in the cache: binaries, templates. */
    interface Builder<T> {
        T build(Path cacheRoot) throws IOException, InterruptedException;
    }

    /** Runs {@code builder} on the cache, its failures as unchecked exceptions naming {@code what}. */
    static <T> T prepare(String what, Builder<T> builder) {
        Path cacheRoot = root();
        try {
            return builder.build(cacheRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the " + what + " in " + cacheRoot, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the " + what, e);
        }
    }

    static boolean isComplete(Path entry) {
        return Files.exists(entry.resolve(COMPLETE_MARKER));
    }

    /** A new temporary directory in {@code cacheRoot} to build an entry in; removed by {@link #removeAbandoned}. */
    static Path newTemp(Path cacheRoot, String what) throws IOException {
        return Files.createTempDirectory(cacheRoot, ".tmp-" + what + "-");
    }

    /**
     * Marks {@code temp} complete and renames it to {@code target} atomically; if another JVM got there first,
     * keeps theirs.
     *
     * @return whether ours was published
     */
    static boolean publish(Path temp, Path target) throws IOException {
        Files.createFile(temp.resolve(COMPLETE_MARKER));
        if (Files.exists(target) && !isComplete(target)) {
            // A leftover from before atomic publishing, or damaged by hand: move it aside and replace it.
            Path aside = target.resolveSibling(".tmp-broken-" + target.getFileName() + "-" + System.nanoTime());
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            Workspace.deleteTree(aside);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (AtomicMoveNotSupportedException e) {
            throw e;
        } catch (FileSystemException e) {
            if (!isComplete(target)) {
                throw e;
            }
            return false; // "Directory not empty": another JVM won the race.
        }
    }

    /** Copies a complete entry (without its marker) into {@code target}, which must not exist yet. */
    static void copyEntry(Path entry, Path target) throws IOException {
        Files.walkFileTree(entry, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(entry.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!file.getFileName().toString().equals(COMPLETE_MARKER)) {
                    Files.copy(file, target.resolve(entry.relativize(file).toString()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes temporary directories older than an hour: left by a JVM that died while building. */
    static void removeAbandoned(Path cacheRoot) {
        Instant cutoff = Instant.now().minus(Duration.ofHours(1));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(cacheRoot, ".tmp-*")) {
            for (Path entry : entries) {
                FileTime modified = Files.getLastModifiedTime(entry);
                if (modified.toInstant().isBefore(cutoff)) {
                    Workspace.deleteTree(entry);
                }
            }
        } catch (IOException e) {
            LOG.debug("Cannot tidy {}: {}", cacheRoot, e.toString());
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** 12 hex digits naming what a template was built from, so a changed recipe builds a new one. */
    static String hash(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
