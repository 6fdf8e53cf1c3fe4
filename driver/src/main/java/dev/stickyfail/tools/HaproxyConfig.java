package dev.stickyfail.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An HAProxy configuration file split into sections and words, as HAProxy itself splits it: a line whose first word
 * is a section keyword ({@code global}, {@code defaults}, {@code listen}, {@code backend}, ...) starts a section; every
 * other line belongs to the section above it. Words are separated by blanks; {@code #} starts a comment; double and
 * single quotes group words; a backslash escapes the next character. Nothing is interpreted here.
 */
final class HaproxyConfig {

    private static final Set<String> SECTION_KEYWORDS = Set.of("global", "defaults", "frontend", "backend", "listen",
            "peers", "resolvers", "userlist", "mailers", "program", "http-errors", "ring", "cache", "log-forward",
            "crt-store", "traces", "acme", "fcgi-app", "dynamic-update");
    /** Sections that must be named. */
    private static final Set<String> NAMED_SECTIONS = Set.of("frontend", "backend", "listen", "peers", "resolvers",
            "userlist", "mailers", "program", "http-errors", "ring", "cache", "log-forward", "fcgi-app");

    /** One line of a section: its number in the file (1-based) and its words. */
    record Line(int number, List<String> words) {

        String keyword() {
            return words.get(0).toLowerCase(Locale.ROOT);
        }

        String word(int i) {
            return i < words.size() ? words.get(i) : null;
        }

        String text() {
            return String.join(" ", words);
        }
    }

    /**
     * One section. {@code from} is the defaults section named by {@code from <name>} on its header line, or null.
     */
    record Section(String kind, String name, String from, int line, List<Line> lines) {

        String title() {
            return name == null ? kind : kind + " " + name;
        }
    }

    private final String file;
    private final List<Section> sections;

    private HaproxyConfig(String file, List<Section> sections) {
        this.file = file;
        this.sections = List.copyOf(sections);
    }

    String file() {
        return file;
    }

    List<Section> sections() {
        return sections;
    }

    /** Sections that may be a MySQL backend: a listen or backend with at least one server, not in HTTP mode. */
    List<Section> candidates() throws HaproxyConfigException {
        List<Section> found = new ArrayList<>();
        for (Section s : sections) {
            if ((s.kind().equals("listen") || s.kind().equals("backend")) && hasServers(s)
                    && !"http".equals(mode(s))) {
                found.add(s);
            }
        }
        return found;
    }

    static boolean hasServers(Section s) {
        return s.lines().stream().anyMatch(l -> l.keyword().equals("server"));
    }

    String mode(Section s) throws HaproxyConfigException {
        String mode = "tcp";
        Section d = defaultsFor(s);
        for (Section section : d == null ? List.of(s) : List.of(d, s)) {
            for (Line l : section.lines()) {
                if (l.keyword().equals("mode") && l.word(1) != null) {
                    mode = l.word(1).toLowerCase(Locale.ROOT);
                }
            }
        }
        return mode;
    }

    /** The defaults section a proxy inherits from: the one named by {@code from}, else the last one above it. */
    Section defaultsFor(Section proxy) throws HaproxyConfigException {
        if (proxy.from() != null) {
            for (Section s : sections) {
                if (s.kind().equals("defaults") && proxy.from().equals(s.name())) {
                    return s;
                }
            }
            throw HaproxyConfigException.at(file, proxy.line(), proxy.title() + " inherits from defaults '"
                    + proxy.from() + "', and there is no defaults section of that name");
        }
        Section last = null;
        for (Section s : sections) {
            if (s == proxy) {
                break;
            }
            if (s.kind().equals("defaults")) {
                last = s;
            }
        }
        return last;
    }

    static HaproxyConfig parse(String file, List<String> text) throws HaproxyConfigException {
        List<Section> sections = new ArrayList<>();
        String kind = null;
        String name = null;
        String from = null;
        int start = 0;
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            int number = i + 1;
            List<String> words = words(file, number, text.get(i));
            if (words.isEmpty()) {
                continue;
            }
            String first = words.get(0).toLowerCase(Locale.ROOT);
            if (SECTION_KEYWORDS.contains(first)) {
                if (kind != null) {
                    sections.add(new Section(kind, name, from, start, lines));
                }
                kind = first;
                start = number;
                lines = new ArrayList<>();
                name = words.size() > 1 && !words.get(1).equals("from") ? words.get(1) : null;
                from = null;
                int fromAt = words.indexOf("from");
                if (fromAt > 0) {
                    if (fromAt + 1 >= words.size()) {
                        throw HaproxyConfigException.at(file, number, "'" + first + "' line ends after 'from'; "
                                + "expected the name of a defaults section");
                    }
                    from = words.get(fromAt + 1);
                }
                if (name == null && NAMED_SECTIONS.contains(first)) {
                    throw HaproxyConfigException.at(file, number, "'" + first + "' without a name; expected '"
                            + first + " <name>'");
                }
                continue;
            }
            if (kind == null) {
                throw HaproxyConfigException.at(file, number, "'" + words.get(0) + "' outside any section; a "
                        + "configuration starts with a section such as global, defaults, listen or backend");
            }
            lines.add(new Line(number, List.copyOf(words)));
        }
        if (kind != null) {
            sections.add(new Section(kind, name, from, start, lines));
        }
        return new HaproxyConfig(file, sections);
    }

    /** Splits one line into words; fails on an unterminated quote. */
    static List<String> words(String file, int number, String line) throws HaproxyConfigException {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '#') {
                break;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '\\' && i + 1 < line.length()) {
                char next = line.charAt(++i);
                if (next == ' ' || next == '#' || next == '\\' || next == '"' || next == '\'') {
                    word.append(next);
                } else {
                    word.append(c).append(next);
                }
            } else {
                word.append(c);
            }
        }
        if (quote != 0) {
            throw HaproxyConfigException.at(file, number, "unterminated " + (quote == '"' ? "double" : "single")
                    + " quote");
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}
