package dev.stickyfail.internal.runtime;

import java.util.Locale;
import java.util.Set;

/**
 * Whether a statement that was in flight when its connection broke may have committed, from the session's state on
 * the server before it (the status flags of the last OK packet) and the statement's first keyword. Errs towards "may":
 * {@code 08S01} promises that nothing committed, so it is given only where that is certain.
 */
final class CommitRisk {

    /** Inside a transaction these never commit it (stored functions and triggers cannot commit either). */
    private static final Set<String> NEVER_COMMIT_IN_TRANSACTION = Set.of("SELECT", "INSERT", "UPDATE", "DELETE",
            "REPLACE", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "HELP", "DO", "VALUES", "TABLE", "SAVEPOINT",
            "ROLLBACK", "RELEASE", "USE", "LOAD", "HANDLER", "CHECKSUM");

    /** With autocommit on and no transaction open, these change nothing. */
    private static final Set<String> NEVER_COMMIT_IN_AUTOCOMMIT = Set.of("SHOW", "DESCRIBE", "DESC", "EXPLAIN", "HELP",
            "USE", "ROLLBACK", "SAVEPOINT", "RELEASE", "BEGIN");

    private CommitRisk() {
    }

    /**
     * @param sql                   the statement, or {@code null} when not known (a batch, say); several statements
     *                              separated by {@code ;} ({@code allowMultiQueries}) may have committed when any of
     *                              them may
     * @param autocommit            the session's autocommit mode before the statement
     * @param inTransaction         whether a transaction was open before the statement
     */
    static boolean mayHaveCommitted(String sql, boolean autocommit, boolean inTransaction) {
        if (sql == null) {
            return true;
        }
        int end = statementEnd(sql, 0);
        if (end >= sql.length()) {
            return mayHaveCommittedOne(sql, autocommit, inTransaction);
        }
        int start = 0;
        while (start < sql.length()) {
            String one = sql.substring(start, end);
            if (!one.isBlank() && mayHaveCommittedOne(one, autocommit, inTransaction)) {
                return true;
            }
            start = end + 1;
            end = statementEnd(sql, start);
        }
        return false;
    }

    private static boolean mayHaveCommittedOne(String sql, boolean autocommit, boolean inTransaction) {
        String keyword = firstKeyword(sql);
        if (keyword.equals("SET") && sql.toLowerCase(Locale.ROOT).contains("autocommit")) {
            // SET autocommit=1 commits the transaction open before it, and only that (or what a function it calls does)
            return inTransaction || !callsOnlyBuiltIns(sql);
        }
        if (autocommit && !inTransaction) {
            if (NEVER_COMMIT_IN_AUTOCOMMIT.contains(keyword)) {
                return false;
            }
            if (keyword.equals("START")) {
                return false; // START TRANSACTION: nothing was open to commit
            }
            // A SELECT commits only what a stored function it calls wrote: one that calls none (built-in functions
            // only) cannot have.
            return !(keyword.equals("SELECT") && callsOnlyBuiltIns(sql));
        }
        if (keyword.equals("SET")) { // a session or user variable; SET PASSWORD commits, as account changes do
            return sql.toLowerCase(Locale.ROOT).contains("password");
        }
        return !NEVER_COMMIT_IN_TRANSACTION.contains(keyword);
    }

    /** Where the statement starting at {@code from} ends: its unquoted {@code ;}, or the end of {@code sql}. */
    static int statementEnd(String sql, int from) {
        int n = sql.length();
        int i = from;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(sql, i, c);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int close = sql.indexOf("*/", i + 2);
                i = close < 0 ? n : close + 2;
            } else if (c == '#' || (c == '-' && i + 2 < n && sql.charAt(i + 1) == '-' && Character.isWhitespace(sql.charAt(i + 2)))) {
                int close = sql.indexOf('\n', i);
                i = close < 0 ? n : close + 1;
            } else if (c == ';') {
                return i;
            } else {
                i++;
            }
        }
        return n;
    }

    /** Built-in functions and keywords that may stand before a parenthesis; none of them writes. */
    private static final Set<String> BUILT_INS = Set.of(
            // keywords
            "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "EXISTS", "AS", "ON", "USING", "JOIN", "VALUES", "VALUE",
            "OVER", "PARTITION", "WHEN", "THEN", "ELSE", "CASE", "END", "INTERVAL", "ANY", "ALL", "SOME", "HAVING", "BY",
            "UNION", "LIMIT", "OFFSET", "IS", "LIKE", "BETWEEN", "DISTINCT", "ROW", "WITH", "INTO", "FOR", "DUAL",
            "LATERAL", "ESCAPE", "DIV", "MOD", "XOR", "REGEXP", "RLIKE", "COLLATE", "BINARY", "MATCH", "AGAINST",
            // aggregates and window functions
            "COUNT", "SUM", "MIN", "MAX", "AVG", "GROUP_CONCAT", "STD", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VARIANCE",
            "VAR_POP", "VAR_SAMP", "BIT_AND", "BIT_OR", "BIT_XOR", "ROW_NUMBER", "RANK", "DENSE_RANK", "NTILE", "LAG",
            "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE", "PERCENT_RANK", "CUME_DIST", "JSON_ARRAYAGG", "JSON_OBJECTAGG",
            // control flow and comparison
            "IF", "IFNULL", "NULLIF", "GREATEST", "LEAST", "ISNULL", "CAST", "CONVERT", "NVL", "NVL2",
            // strings
            "CONCAT", "CONCAT_WS", "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "LOWER", "UPPER", "LCASE", "UCASE",
            "SUBSTRING", "SUBSTR", "SUBSTRING_INDEX", "LEFT", "RIGHT", "TRIM", "LTRIM", "RTRIM", "REPLACE", "REPEAT",
            "REVERSE", "LPAD", "RPAD", "LOCATE", "INSTR", "POSITION", "FIELD", "FIND_IN_SET", "FORMAT", "HEX", "UNHEX",
            "ASCII", "CHAR", "ORD", "SPACE", "QUOTE", "SOUNDEX", "ELT", "MAKE_SET", "EXPORT_SET", "INSERT", "MID",
            "REGEXP_REPLACE", "REGEXP_SUBSTR", "REGEXP_INSTR", "TO_BASE64", "FROM_BASE64", "BIT_LENGTH", "OCTET_LENGTH",
            "CHARSET", "COLLATION", "WEIGHT_STRING",
            // numbers
            "ABS", "CEIL", "CEILING", "FLOOR", "ROUND", "TRUNCATE", "SIGN", "SQRT", "POW", "POWER", "EXP", "LN", "LOG",
            "LOG2", "LOG10", "PI", "RAND", "CRC32", "CONV", "BIN", "OCT", "SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN",
            "ATAN2", "COT", "DEGREES", "RADIANS", "BIT_COUNT",
            // dates and times
            "NOW", "SYSDATE", "CURDATE", "CURTIME", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "UTC_DATE",
            "UTC_TIME", "UTC_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP", "DATE", "TIME", "TIMESTAMP", "YEAR", "MONTH",
            "DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND", "WEEK", "QUARTER", "DAYOFWEEK", "DAYOFMONTH", "DAYOFYEAR",
            "DAYNAME", "MONTHNAME", "WEEKDAY", "WEEKOFYEAR", "YEARWEEK", "LAST_DAY", "DATE_ADD", "DATE_SUB", "ADDDATE",
            "SUBDATE", "ADDTIME", "SUBTIME", "DATEDIFF", "TIMEDIFF", "TIMESTAMPADD", "TIMESTAMPDIFF", "DATE_FORMAT",
            "TIME_FORMAT", "STR_TO_DATE", "FROM_UNIXTIME", "UNIX_TIMESTAMP", "FROM_DAYS", "TO_DAYS", "TO_SECONDS",
            "SEC_TO_TIME", "TIME_TO_SEC", "MAKEDATE", "MAKETIME", "EXTRACT", "CONVERT_TZ", "PERIOD_ADD", "PERIOD_DIFF",
            // information and misc
            "DATABASE", "SCHEMA", "USER", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER", "VERSION", "CONNECTION_ID",
            "LAST_INSERT_ID", "ROW_COUNT", "FOUND_ROWS", "SLEEP", "BENCHMARK", "UUID", "UUID_SHORT", "SYS_GUID", "MD5",
            "SHA", "SHA1", "SHA2", "INET_ATON", "INET_NTOA", "INET6_ATON", "INET6_NTOA", "DEFAULT", "COALESCE",
            "MASTER_GTID_WAIT", "MASTER_POS_WAIT", "GET_LOCK", "RELEASE_LOCK", "IS_FREE_LOCK", "IS_USED_LOCK",
            "JSON_EXTRACT", "JSON_VALUE", "JSON_QUERY", "JSON_OBJECT", "JSON_ARRAY", "JSON_CONTAINS", "JSON_LENGTH",
            "JSON_KEYS", "JSON_UNQUOTE", "JSON_SET", "JSON_INSERT", "JSON_REPLACE", "JSON_REMOVE", "JSON_VALID",
            "JSON_TYPE", "JSON_SEARCH", "JSON_MERGE", "JSON_MERGE_PATCH", "JSON_TABLE", "JSON_CONTAINS_PATH");

    /**
     * Whether every name followed by a parenthesis in {@code sql} (outside quotes) is a built-in function or a keyword:
     * then the statement calls no stored function. A schema-qualified or unknown name counts as a stored function.
     */
    static boolean callsOnlyBuiltIns(String sql) {
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(sql, i, c);
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$'
                        || sql.charAt(i) == '.')) {
                    i++;
                }
                int j = i;
                while (j < n && Character.isWhitespace(sql.charAt(j))) {
                    j++;
                }
                if (j < n && sql.charAt(j) == '('
                        && !BUILT_INS.contains(sql.substring(start, i).toUpperCase(Locale.ROOT))) {
                    return false;
                }
            } else {
                i++;
            }
        }
        return true;
    }

    private static int skipQuoted(String sql, int open, char quote) {
        int i = open + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
            } else if (c == quote) {
                return i + 1;
            } else {
                i++;
            }
        }
        return i;
    }

    /**
     * The first word of a statement, upper case, past white space, comments, opening parentheses and the opening of a
     * JDBC escape ({@code {call p(?)}} and {@code {? = call f(?)}} are {@code CALL}).
     */
    static String firstKeyword(String sql) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == '(' || c == '{' || c == '?' || c == '=') {
                i++;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '#' || (c == '-' && i + 2 < n && sql.charAt(i + 1) == '-' && Character.isWhitespace(sql.charAt(i + 2)))) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else {
                break;
            }
        }
        int start = i;
        while (i < n && Character.isLetter(sql.charAt(i))) {
            i++;
        }
        return sql.substring(start, i).toUpperCase(Locale.ROOT);
    }
}
