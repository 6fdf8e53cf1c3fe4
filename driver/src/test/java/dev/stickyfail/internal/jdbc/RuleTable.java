package dev.stickyfail.internal.jdbc;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** The wrappers' rule table, {@code src/main/jdbc-wrappers/rules.txt}, as the tests read it. */
public final class RuleTable {

    private RuleTable() {
    }

    /** Key {@link #key(Method)} to rule. */
    public static Map<String, String> rules() throws IOException {
        Map<String, String> rules = new LinkedHashMap<>();
        String section = null;
        for (String line : Files.readAllLines(Path.of("src/main/jdbc-wrappers/rules.txt"))) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            if (s.startsWith("[")) {
                section = s.substring(1, s.length() - 1);
                continue;
            }
            String[] parts = s.split("\\s+");
            rules.put(section + "." + parts[0], parts[1]);
        }
        return rules;
    }

    /** As the table names a method: its declaring interface, name and parameter types' simple names. */
    public static String key(Method m) {
        StringJoiner p = new StringJoiner(",", m.getName() + "(", ")");
        for (Class<?> t : m.getParameterTypes()) {
            p.add(t.getSimpleName());
        }
        return m.getDeclaringClass().getSimpleName() + "." + p;
    }
}
