package dev.stickyfail.internal.decision;

import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.store.Decision;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Properties;
import java.util.Set;

/**
 * The decision on disk: a small text file written atomically (a fixed temporary file beside it, fsync, rename, fsync
 * of the directory), so a reader sees the old decision or the new one, never half of one, even after a crash.
 *
 * <p>One group of one JVM owns a file: {@link #open} takes an exclusive lock on a sidecar {@code <file>.lock}, so a
 * second JVM or group pointing at the same file is refused instead of silently overwriting it. A switch whose write
 * fails leaves a {@code <file>.stale} marker (the old file renamed, which works even on a full disk), so the next
 * start does not trust a file that names the server the group had left.
 */
public final class StateFile implements AutoCloseable {

    static final String FORMAT = "stickyfail-state/1";

    /** What the file holds. */
    public sealed interface Content permits Missing, Loaded, Unusable {
    }

    /** No file: a fresh start. */
    public record Missing() implements Content {
    }

    public record Loaded(Decision decision) implements Content {
    }

    /**
     * A file that exists but cannot be trusted.
     *
     * @param why        what is wrong with it, for the message
     * @param epochFloor the highest epoch it shows, if any (0): a later decision must go above it
     */
    public record Unusable(String why, long epochFloor) implements Content {
    }

    private final Path path;
    private final Path tmp;
    private final Path stale;
    private final Path lockPath;
    private final String group;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StateFile(Path path, String group, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.group = group;
        this.tmp = sibling(path, ".tmp");
        this.stale = sibling(path, ".stale");
        this.lockPath = sibling(path, ".lock");
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Locks the file for this group: creates its directory if needed and takes the sidecar lock.
     *
     * @throws SQLException {@code 08001} naming the path when the directory cannot be written or another JVM or group
     *                      holds the file
     */
    public static StateFile open(Path configured, String group) throws SQLException {
        Path path = resolve(configured);
        Path dir = path.getParent();
        if (dir == null || path.getFileName() == null) {
            throw ConfigErrors.invalid("stickyfail.stateFile", configured.toString(), "a path to a file, not a directory");
        }
        if (Files.isDirectory(path)) {
            throw ConfigErrors.invalid("stickyfail.stateFile", configured.toString(), "a path to a file, but it is a directory");
        }
        Path lockPath = sibling(path, ".lock");
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw ConfigErrors.problem("state file " + path + " is in use by another group or another JVM (it holds "
                        + lockPath + "); every application instance and every group needs its own stickyfail.stateFile");
            }
            return new StateFile(path, group, ch, lock);
        } catch (IOException | SecurityException e) {
            closeQuietly(ch);
            throw ConfigErrors.problem("cannot use state file " + path + ": its directory " + dir
                    + " cannot be written (" + e + "); fix the permissions or choose another stickyfail.stateFile");
        }
    }

    /** Follows a symbolic link, so that the rename replaces the file it points to and not the link. */
    private static Path resolve(Path configured) {
        Path p = configured.toAbsolutePath().normalize();
        try {
            if (Files.isSymbolicLink(p)) {
                return p.toRealPath();
            }
        } catch (IOException e) {
            // a dangling link: use it as given; writing will say what is wrong
        }
        return p;
    }

    private static Path sibling(Path path, String suffix) {
        return path.resolveSibling(path.getFileName().toString() + suffix);
    }

    public Path path() {
        return path;
    }

    /** What the file holds; never throws. */
    public Content read(Set<String> knownServers) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (Files.exists(stale, LinkOption.NOFOLLOW_LINKS)) {
                return new Unusable("the last switch could not be written to it (" + stale + " marks that), so the server "
                        + "it named is not known to be the active one", 0);
            }
            return new Missing();
        } catch (IOException | RuntimeException e) {
            return new Unusable("it cannot be read (" + e + ")", 0);
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            return new Unusable("it is not a stickyfail state file (" + e.getMessage() + ")", 0);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            return new Unusable("it is not a stickyfail state file (format is " + p.getProperty("format") + ", expected "
                    + FORMAT + ")", 0);
        }
        long epoch;
        try {
            epoch = Long.parseLong(p.getProperty("epoch", "").trim());
        } catch (NumberFormatException e) {
            return new Unusable("its epoch '" + p.getProperty("epoch") + "' is not a number", 0);
        }
        if (epoch < 1) {
            return new Unusable("its epoch " + epoch + " is not positive", 0);
        }
        if (!group.equals(p.getProperty("group"))) {
            return new Unusable("it belongs to group '" + p.getProperty("group") + "', not '" + group + "'", 0);
        }
        String server = p.getProperty("server");
        if (server == null || !knownServers.contains(server)) {
            return new Unusable("it names server " + server + ", which is not one of this group's servers " + knownServers, epoch);
        }
        Instant time;
        try {
            time = Instant.parse(p.getProperty("time", "").trim());
        } catch (DateTimeParseException e) {
            return new Unusable("its time '" + p.getProperty("time") + "' is malformed", epoch);
        }
        return new Loaded(new Decision(server, epoch, p.getProperty("decidedBy", ""), time, p.getProperty("reason", ""),
                p.getProperty("history", "")));
    }

    /**
     * Writes the decision durably; on success, a stale marker left by an earlier failure is removed.
     *
     * @throws IOException when any step fails, the directory fsync included: the decision is then not durable
     */
    public void write(Decision decision) throws IOException {
        StringBuilder text = new StringBuilder("# stickyfail decision; rewritten atomically at every switch\n");
        line(text, "format", FORMAT);
        line(text, "group", group);
        line(text, "server", decision.server());
        line(text, "epoch", Long.toString(decision.epoch()));
        line(text, "time", decision.decidedAt().toString());
        line(text, "decidedBy", decision.decidedBy());
        line(text, "reason", decision.reason());
        if (!decision.history().isEmpty()) {
            line(text, "history", decision.history());
        }
        Set<PosixFilePermission> mode = currentMode();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (mode != null) {
            try {
                Files.setPosixFilePermissions(tmp, mode); // an operator's chmod survives the rename
            } catch (IOException | UnsupportedOperationException e) {
                // keep the default mode
            }
        }
        try {
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory();
        Files.deleteIfExists(stale);
    }

    /**
     * After a failed write: makes sure the next start cannot trust the file, which still names the server being
     * left. Renames it to {@code <file>.stale} (a rename needs no free space), or creates an empty marker when there
     * was no file.
     *
     * @return whether the marker is in place
     */
    public boolean markStale() {
        try {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(path, stale, StandardCopyOption.REPLACE_EXISTING);
            } else if (!Files.exists(stale, LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(stale);
            }
            syncDirectory();
            return true;
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(path);
                return true;
            } catch (IOException | RuntimeException e2) {
                return false;
            }
        }
    }

    /** Checks that the directory takes writes now, for a start with no decision to write back. */
    public void checkWritable() throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            ch.force(true);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private Set<PosixFilePermission> currentMode() {
        try {
            return Files.getPosixFilePermissions(path);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
            ch.force(true);
        } catch (UnsupportedOperationException e) {
            // not every platform can fsync a directory; the rename is still atomic
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException | RuntimeException e) {
            // closing the channel releases it too
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing held any more
            }
        }
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append('=');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                default:
                    sb.append(c < 0x20 ? ' ' : c);
            }
        }
        sb.append('\n');
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
