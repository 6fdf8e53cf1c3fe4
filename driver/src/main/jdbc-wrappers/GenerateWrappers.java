import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Writes the plain methods of stickyfail's JDBC wrappers from {@code rules.txt} (see its header), as HikariCP
 * generates its proxies: each generated class extends the hand-written abstract one and implements every method of
 * its interface that the table does not mark {@code hand:*}, as the method's rule says. Plain virtual calls, no
 * reflection at run time. Run by the driver's build (generate-sources) with the JDK's source launcher:
 * {@code java GenerateWrappers.java <rules.txt> <output directory>}.
 */
public final class GenerateWrappers {

    private static final String PACKAGE = "dev.stickyfail.internal.jdbc";
    private static final List<Class<?>> ORDER = List.of(Connection.class, Statement.class, PreparedStatement.class,
            CallableStatement.class, ResultSet.class, DatabaseMetaData.class, java.sql.Wrapper.class);
    private static final Set<Class<?>> LEADS_BACK = Set.of(ResultSet.class, Statement.class, PreparedStatement.class,
            CallableStatement.class, Connection.class, DatabaseMetaData.class);

    /** One wrapper: its interface, the hand-written class it extends, the generated class, and its constructor. */
    private record Family(Class<?> iface, String base, String generated, String ctorParams, String ctorArgs,
                          Map<Class<?>, String> delegates) {
    }

    private static final List<Family> FAMILIES = List.of(
            new Family(Connection.class, "StickyConnection", "GeneratedStickyConnection",
                    "TrackedConnection tracked", "tracked", Map.of()),
            new Family(Statement.class, "StickyStatement", "GeneratedStickyStatement",
                    "StickyConnection connection, TrackedConnection tracked, java.sql.Statement delegate",
                    "connection, tracked, delegate", Map.of(Statement.class, "delegate")),
            new Family(PreparedStatement.class, "StickyPreparedStatement", "GeneratedStickyPreparedStatement",
                    "StickyConnection connection, TrackedConnection tracked, java.sql.PreparedStatement delegate, String sql",
                    "connection, tracked, delegate, sql",
                    Map.of(Statement.class, "delegate", PreparedStatement.class, "prepared")),
            new Family(CallableStatement.class, "StickyCallableStatement", "GeneratedStickyCallableStatement",
                    "StickyConnection connection, TrackedConnection tracked, java.sql.CallableStatement delegate, String sql",
                    "connection, tracked, delegate, sql",
                    Map.of(Statement.class, "delegate", PreparedStatement.class, "prepared", CallableStatement.class,
                            "callable")),
            new Family(ResultSet.class, "StickyResultSet", "GeneratedStickyResultSet",
                    "java.sql.Statement statement, TrackedConnection tracked, java.sql.ResultSet delegate",
                    "statement, tracked, delegate", Map.of(ResultSet.class, "delegate")),
            new Family(DatabaseMetaData.class, "StickyDatabaseMetaData", "GeneratedStickyDatabaseMetaData",
                    "StickyConnection connection, TrackedConnection tracked, java.sql.DatabaseMetaData delegate",
                    "connection, tracked, delegate", Map.of(DatabaseMetaData.class, "delegate")));

    private GenerateWrappers() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: java GenerateWrappers.java <rules.txt> <output directory>");
        }
        Map<String, String> rules = readRules(Path.of(args[0]));
        Path out = Path.of(args[1], PACKAGE.split("\\."));
        Files.createDirectories(out);
        List<String> errors = new ArrayList<>();
        Set<String> used = new LinkedHashSet<>();
        for (Family f : FAMILIES) {
            String source = generate(f, rules, used, errors);
            Path file = out.resolve(f.generated() + ".java");
            if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).equals(source)) {
                Files.writeString(file, source, StandardCharsets.UTF_8);
            }
        }
        for (String key : rules.keySet()) {
            if (!used.contains(key)) {
                errors.add("a row for a method no wrapped interface has: " + key);
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException(args[0] + ":\n  " + String.join("\n  ", errors));
        }
    }

    /** Key "Interface.method(Type,Type)" to rule. */
    static Map<String, String> readRules(Path file) throws IOException {
        Map<String, String> rules = new LinkedHashMap<>();
        String section = null;
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            if (s.startsWith("[") && s.endsWith("]")) {
                section = s.substring(1, s.length() - 1);
                continue;
            }
            String[] parts = s.split("\\s+");
            if (section == null || parts.length != 2) {
                throw new IllegalStateException(file + ":" + n + ": expected 'method(Types) rule' under [Interface]: " + s);
            }
            if (rules.put(section + "." + parts[0], parts[1]) != null) {
                throw new IllegalStateException(file + ":" + n + ": a second row for " + section + "." + parts[0]);
            }
        }
        return rules;
    }

    static String key(Method m) {
        StringJoiner p = new StringJoiner(",", m.getName() + "(", ")");
        for (Class<?> t : m.getParameterTypes()) {
            p.add(t.getSimpleName());
        }
        return m.getDeclaringClass().getSimpleName() + "." + p;
    }

    /** Every instance method of the interface, once each, as declared by the most specific interface. */
    static List<Method> methods(Class<?> iface) {
        Map<String, Method> bySignature = new LinkedHashMap<>();
        for (Method m : iface.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String sig = key(m).substring(key(m).indexOf('.') + 1);
            Method seen = bySignature.get(sig);
            if (seen == null || seen.getDeclaringClass().isAssignableFrom(m.getDeclaringClass())) {
                bySignature.put(sig, m);
            }
        }
        List<Method> list = new ArrayList<>(bySignature.values());
        list.sort(Comparator.comparingInt((Method m) -> ORDER.indexOf(m.getDeclaringClass())).thenComparing(GenerateWrappers::key));
        return list;
    }

    private static String generate(Family f, Map<String, String> rules, Set<String> used, List<String> errors) {
        StringBuilder sb = new StringBuilder();
        sb.append("package ").append(PACKAGE).append(";\n\n");
        sb.append("import dev.stickyfail.internal.runtime.TrackedConnection;\n\n");
        sb.append("import java.sql.SQLException;\n\n");
        sb.append("/** Generated by src/main/jdbc-wrappers/GenerateWrappers.java from rules.txt: do not edit. */\n");
        sb.append("final class ").append(f.generated()).append(" extends ").append(f.base()).append(" {\n\n");
        sb.append("    ").append(f.generated()).append("(").append(f.ctorParams()).append(") {\n");
        sb.append("        super(").append(f.ctorArgs()).append(");\n    }\n");
        for (Method m : methods(f.iface())) {
            String key = key(m);
            String rule = rules.get(key);
            if (rule == null) {
                errors.add("no row for " + key + " (a method of " + f.iface().getSimpleName() + "): classify it");
                continue;
            }
            used.add(key);
            String problem = check(m, rule);
            if (problem != null) {
                errors.add(key + " " + rule + ": " + problem);
                continue;
            }
            if (rule.startsWith("hand:")) {
                continue;
            }
            String body = f.iface() == Connection.class ? connectionBody(m, rule) : body(f, m, rule);
            if (body == null) {
                errors.add(key + " " + rule + ": this rule does not apply to " + f.iface().getSimpleName());
                continue;
            }
            sb.append("\n    @Override\n    public ").append(signature(m)).append(throwsNothing(m) ? "" : " throws SQLException")
                    .append(" {\n")
                    .append(body).append("    }\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    /** Why the rule cannot be right for the method, or null. */
    private static String check(Method m, String rule) {
        Class<?> r = m.getReturnType();
        boolean wraps = rule.startsWith("query(") || rule.equals("resultset");
        if (LEADS_BACK.contains(r) && !rule.startsWith("hand:") && !wraps && !rule.equals("statement")) {
            return "it returns a " + r.getSimpleName() + ", which leads back to the connection: it must be wrapped";
        }
        if (wraps && r != ResultSet.class) {
            return "only a method returning a ResultSet can wrap one";
        }
        if (rule.equals("statement") && !Statement.class.isAssignableFrom(r)) {
            return "only a method returning a statement can be 'statement'";
        }
        if (!rule.startsWith("hand:") && !throwsNothing(m)
                && (m.getExceptionTypes().length != 1 || m.getExceptionTypes()[0] != SQLException.class)) {
            return "it does not throw exactly SQLException: write it by hand";
        }
        if (throwsNothing(m) && !rule.equals("pass")) {
            return "a method that throws nothing can only be 'pass'";
        }
        if (!rule.matches("pass|boundary|setting|statement|resultset|batch|(execute|query)\\((sql|prepared|[A-Z]+)\\)"
                + "|hand:(lifecycle|commit|wrap|setting|identity|batch)")) {
            return "unknown rule";
        }
        if (rule.endsWith("(sql)") && (m.getParameterCount() == 0 || m.getParameterTypes()[0] != String.class)) {
            return "(sql) needs the SQL as the first argument";
        }
        return null;
    }

    private static boolean throwsNothing(Method m) {
        return m.getExceptionTypes().length == 0;
    }

    private static String connectionBody(Method m, String rule) {
        String call = "t.physical()." + m.getName() + "(" + args(m) + ")";
        String ret = m.getReturnType() == void.class ? "" : "return ";
        switch (rule) {
            case "pass":
            case "boundary":
                return "        TrackedConnection t = " + (rule.equals("pass") ? "live" : "usable") + "();\n"
                        + "        try {\n            " + ret + call + ";\n"
                        + "        } catch (SQLException e) {\n            throw t.translate(e);\n        }\n";
            case "setting":
                return "        TrackedConnection t = live();\n"
                        + "        try {\n            t.beginOwnChange();\n            " + call + ";\n"
                        + "            settings()." + m.getName() + "(" + args(m) + ");\n"
                        + "        } catch (SQLException e) {\n            throw t.translate(e);\n"
                        + "        } finally {\n            t.endOwnChange();\n        }\n";
            case "statement":
                String wrap = m.getReturnType() == CallableStatement.class ? "wrapCallable(t, " + call + ", a0)"
                        : m.getReturnType() == PreparedStatement.class ? "wrapPrepared(t, " + call + ", a0)"
                        : "wrapStatement(t, " + call + ")";
                return "        TrackedConnection t = usable();\n"
                        + "        try {\n            return " + wrap + ";\n"
                        + "        } catch (SQLException e) {\n            throw t.translate(e);\n        }\n";
            default:
                return null;
        }
    }

    private static String body(Family f, Method m, String rule) {
        String delegate = f.delegates().get(m.getDeclaringClass());
        if (delegate == null) {
            return null;
        }
        String call = delegate + "." + m.getName() + "(" + args(m) + ")";
        String ret = m.getReturnType() == void.class ? "" : "return ";
        if (rule.equals("pass") && throwsNothing(m)) {
            return "        " + ret + call + ";\n";
        }
        if (rule.equals("pass")) {
            return "        try {\n            " + ret + call + ";\n"
                    + "        } catch (SQLException e) {\n            throw tracked.translate(e);\n        }\n";
        }
        if (rule.equals("resultset")) {
            return "        try {\n            return resultSet(" + call + ");\n"
                    + "        } catch (SQLException e) {\n            throw tracked.translate(e);\n        }\n";
        }
        String guard = "        tracked.checkUsable();\n"
                + "        int status = tracked.sessionStatus(); // before it runs: the abort may reset it\n";
        if (rule.equals("batch")) {
            return guard + "        try {\n            return " + call + ";\n"
                    + "        } catch (SQLException e) {\n            throw translateBatch(e, status);\n"
                    + "        } finally {\n            batchDone();\n        }\n";
        }
        String what = rule.substring(rule.indexOf('(') + 1, rule.length() - 1);
        String sql = what.equals("sql") ? "a0" : what.equals("prepared") ? "preparedSql" : "\"" + what + "\"";
        String result = rule.startsWith("query(") ? "return resultSet(" + call + ")" : ret + call;
        return guard + "        try {\n            " + result + ";\n"
                + "        } catch (SQLException e) {\n            throw tracked.translateExecution(e, " + sql + ", status);\n"
                + "        }\n";
    }

    private static String signature(Method m) {
        StringBuilder sb = new StringBuilder();
        TypeVariable<Method>[] tv = m.getTypeParameters();
        if (tv.length > 0) {
            StringJoiner j = new StringJoiner(", ", "<", "> ");
            for (TypeVariable<Method> v : tv) {
                j.add(v.getName());
            }
            sb.append(j);
        }
        sb.append(type(m.getGenericReturnType())).append(' ').append(m.getName()).append('(');
        Type[] params = m.getGenericParameterTypes();
        for (int i = 0; i < params.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(type(params[i])).append(" a").append(i);
        }
        return sb.append(')').toString();
    }

    private static String type(Type t) {
        return t.getTypeName().replace('$', '.');
    }

    private static String args(Method m) {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < m.getParameterCount(); i++) {
            j.add("a" + i);
        }
        return j.toString();
    }
}
