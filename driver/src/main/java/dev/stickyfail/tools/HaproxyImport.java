package dev.stickyfail.tools;

import dev.stickyfail.tools.HaproxyConfig.Section;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code haproxy-import <haproxy.cfg> [<listen or backend name>]}: prints the {@code jdbc:stickyfail:} URL equivalent
 * to one MySQL backend of an HAProxy configuration, alone on the first line, then one line per keyword saying what it
 * became or why it has no counterpart.
 *
 * <p>Exit codes: 0 translated; 1 wrong arguments, or no single backend to translate (the candidates are listed);
 * 2 the file cannot be read or is malformed (one line naming the file and line).
 */
public final class HaproxyImport {

    public static final String USAGE = "usage: haproxy-import <haproxy.cfg> [<listen or backend name>]";
    static final int OK = 0;
    static final int USAGE_OR_CHOICE = 1;
    static final int BAD_FILE = 2;

    private HaproxyImport() {
    }

    /** Runs the command; never throws and never prints a stack trace. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.size() > 2 || args.get(0).isBlank()) {
            err.println(USAGE);
            return USAGE_OR_CHOICE;
        }
        String file = args.get(0);
        try {
            HaproxyConfig config = HaproxyConfig.parse(file, read(file));
            List<Section> candidates = config.candidates();
            Section chosen;
            if (args.size() == 2) {
                String name = args.get(1);
                chosen = config.sections().stream()
                        .filter(s -> (s.kind().equals("listen") || s.kind().equals("backend")) && name.equals(s.name()))
                        .findFirst().orElse(null);
                if (chosen == null) {
                    err.println("haproxy-import: " + file + " has no listen or backend named '" + name + "'; "
                            + describe(candidates));
                    return USAGE_OR_CHOICE;
                }
                if (!HaproxyConfig.hasServers(chosen)) {
                    err.println("haproxy-import: " + file + ":" + chosen.line() + ": " + chosen.title()
                            + " has no server line");
                    return USAGE_OR_CHOICE;
                }
                String mode = config.mode(chosen);
                if (!mode.equals("tcp")) {
                    err.println("haproxy-import: " + file + ":" + chosen.line() + ": " + chosen.title() + " is mode "
                            + mode + "; stickyfail replaces MySQL (mode tcp) backends only");
                    return USAGE_OR_CHOICE;
                }
            } else if (candidates.size() == 1) {
                chosen = candidates.get(0);
            } else {
                err.println("haproxy-import: " + (candidates.isEmpty()
                        ? file + " has no listen or backend with servers in mode tcp"
                        : file + " has " + candidates.size() + " backends that may be MySQL; name one: "
                        + describe(candidates)));
                if (!candidates.isEmpty()) {
                    for (Section s : candidates) {
                        err.println("  " + s.title() + " (line " + s.line() + ")");
                    }
                }
                return USAGE_OR_CHOICE;
            }
            HaproxyTranslation.Result result = HaproxyTranslation.translate(config, chosen);
            out.println(result.url());
            result.explanation().forEach(out::println);
            out.flush();
            return OK;
        } catch (HaproxyConfigException e) {
            err.println("haproxy-import: " + e.getMessage());
            return BAD_FILE;
        } catch (RuntimeException e) {
            // A bug of ours; still one line, and the input that caused it.
            err.println("haproxy-import: " + file + ": cannot translate (" + e + "); please report this with the file");
            return BAD_FILE;
        }
    }

    private static String describe(List<Section> candidates) {
        return candidates.isEmpty() ? "none has servers in mode tcp"
                : "candidates: " + candidates.stream().map(Section::title).collect(Collectors.joining(", "));
    }

    private static List<String> read(String file) throws HaproxyConfigException {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new HaproxyConfigException(file + ": not a valid path (" + e.getReason() + ")");
        }
        if (Files.isDirectory(path)) {
            throw new HaproxyConfigException(file + ": is a directory, not an HAProxy configuration file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new HaproxyConfigException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new HaproxyConfigException(file + ": permission denied");
        } catch (IOException e) {
            throw new HaproxyConfigException(file + ": cannot read (" + e.getMessage() + ")");
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        int number = 1;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                lines.add(decode(file, number, bytes, start, i));
                start = i + 1;
                number++;
            }
        }
        return lines;
    }

    private static String decode(String file, int number, byte[] bytes, int from, int to) throws HaproxyConfigException {
        for (int i = from; i < to; i++) {
            if (bytes[i] == 0) {
                throw HaproxyConfigException.at(file, number, "a NUL byte: this is not a text file");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            throw HaproxyConfigException.at(file, number, "not valid UTF-8 text");
        }
    }
}
