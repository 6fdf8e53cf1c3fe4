package dev.stickyfail.internal.decision;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Properties;

/**
 * The decision on disk: a small text file written atomically (a temporary file in the same directory, fsync, rename,
 * fsync of the directory), so a reader sees the old decision or the new one, never half of one, even after a crash.
 * A file that is unreadable, corrupt, of another group or naming a server the group does not have is reported and
 * ignored: the group starts fresh rather than not at all.
 */
public final class StateFile {

    static final String FORMAT = "stickyfail-state/1";
    private static final Logger LOG = LoggerFactory.getLogger(StateFile.class);

    private final Path path;
    private final String group;

    public StateFile(Path path, String group) {
        this.path = path;
        this.group = group;
    }

    public Path path() {
        return path;
    }

    /** @return the stored decision, or {@code null} when there is none or it cannot be trusted (logged) */
    public Decision read(java.util.Set<String> knownServers) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            LOG.info("stickyfail[{}] no state file at {} yet: fresh start", group, path);
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.warn("stickyfail[{}] cannot read state file {} ({}); ignoring it: fresh start", group, path, e.toString());
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            return ignored("it is not a stickyfail state file (" + e.getMessage() + ")");
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            return ignored("it is not a stickyfail state file (format is " + p.getProperty("format") + ", expected " + FORMAT + ")");
        }
        if (!group.equals(p.getProperty("group"))) {
            return ignored("it belongs to group '" + p.getProperty("group") + "'");
        }
        String server = p.getProperty("server");
        if (server == null || !knownServers.contains(server)) {
            return ignored("it names server " + server + ", which is not one of " + knownServers);
        }
        try {
            long epoch = Long.parseLong(p.getProperty("epoch", "").trim());
            Instant time = Instant.parse(p.getProperty("time", "").trim());
            if (epoch < 1) {
                return ignored("its epoch " + epoch + " is not positive");
            }
            return new Decision(server, epoch, time, p.getProperty("reason", ""));
        } catch (NumberFormatException | DateTimeParseException e) {
            return ignored("its epoch or time is malformed (" + e.getMessage() + ")");
        }
    }

    private Decision ignored(String why) {
        LOG.warn("stickyfail[{}] ignoring state file {}: {}; starting fresh", group, path, why);
        return null;
    }

    public void write(Decision decision) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("group", group);
        p.setProperty("server", decision.server());
        p.setProperty("epoch", Long.toString(decision.epoch()));
        p.setProperty("time", decision.time().toString());
        p.setProperty("reason", decision.reason());
        StringBuilder text = new StringBuilder("# stickyfail decision; rewritten atomically at every switch\n");
        for (String key : new String[] {"format", "group", "server", "epoch", "time", "reason"}) {
            text.append(key).append('=').append(escape(p.getProperty(key))).append('\n');
        }
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can fsync a directory; the rename is still atomic
        }
    }

    /** Escapes a value as {@link Properties#load} reads it back. */
    private static String escape(String value) {
        StringBuilder sb = new StringBuilder();
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
        return sb.toString();
    }
}
