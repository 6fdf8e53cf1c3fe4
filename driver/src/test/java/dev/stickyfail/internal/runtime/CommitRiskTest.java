package dev.stickyfail.internal.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CommitRiskTest {

    @Test
    void inAutocommitModeAnythingThatCanWriteMayHaveCommitted() {
        for (String sql : new String[] {"INSERT INTO t VALUES (1)", "update t set a = 1", "CALL p()", "SELECT f(1)",
                "CREATE TABLE x (a INT)", "COMMIT", "SET @x = f()", "  /* hint */ DELETE FROM t", "(SELECT write_fn())", "SELECT app.audit(1)",
                "SELECT a FROM t WHERE x = my_fn (a)"}) {
            assertThat(CommitRisk.mayHaveCommitted(sql, true, false)).as(sql).isTrue();
        }
        for (String sql : new String[] {"SELECT a FROM t WHERE b = 1", "SELECT SLEEP(60)", "SELECT COUNT(*), MAX(ts) FROM t",
                "SELECT 'my_fn(1)' FROM t", "SELECT a FROM t WHERE b IN (1, 2) AND NOW() > c", "SHOW TABLES", "EXPLAIN SELECT 1", "ROLLBACK",
                "START TRANSACTION", "BEGIN", "-- comment\nSELECT 1", "# c\nDESCRIBE t"}) {
            assertThat(CommitRisk.mayHaveCommitted(sql, true, false)).as(sql).isFalse();
        }
    }

    @Test
    void insideATransactionOnlyStatementsThatCommitImplicitlyMayHaveCommitted() {
        for (boolean autocommit : new boolean[] {false, true}) { // autocommit on with BEGIN: still in a transaction
            boolean inTx = autocommit;
            for (String sql : new String[] {"INSERT INTO t VALUES (1)", "UPDATE t SET a = f(1)", "DELETE FROM t",
                    "SELECT f(1)", "SAVEPOINT s", "ROLLBACK TO s", "SET @a = 1", "LOAD DATA LOCAL INFILE 'x' INTO TABLE t"}) {
                assertThat(CommitRisk.mayHaveCommitted(sql, autocommit, inTx)).as(sql).isFalse();
            }
            for (String sql : new String[] {"COMMIT", "commit work", "BEGIN", "START TRANSACTION", "CREATE TABLE x (a INT)", "ALTER TABLE t ADD c INT", "DROP TABLE t",
                    "TRUNCATE t", "RENAME TABLE a TO b", "LOCK TABLES t WRITE", "CALL p()", "GRANT ALL ON *.* TO u",
                    "XA COMMIT 'x'"}) {
                assertThat(CommitRisk.mayHaveCommitted(sql, autocommit, inTx)).as(sql).isTrue();
            }
        }
    }

    @Test
    void setAutocommitCommitsOnlyATransactionOpenBeforeIt() {
        for (String sql : new String[] {"SET autocommit=1", "set @@session.autocommit = 1", "SET autocommit = 0"}) {
            assertThat(CommitRisk.mayHaveCommitted(sql, false, true)).as(sql + " in a transaction").isTrue();
            assertThat(CommitRisk.mayHaveCommitted(sql, true, true)).as(sql + " after BEGIN").isTrue();
            assertThat(CommitRisk.mayHaveCommitted(sql, false, false)).as(sql + ", none open").isFalse();
            assertThat(CommitRisk.mayHaveCommitted(sql, true, false)).as(sql + " in autocommit mode").isFalse();
        }
        assertThat(CommitRisk.mayHaveCommitted("SET autocommit = my_fn()", true, false)).isTrue();
    }

    @Test
    void severalStatementsMayHaveCommittedWhenAnyOfThemMay() {
        assertThat(CommitRisk.mayHaveCommitted("UPDATE t SET a = 1; COMMIT", false, true)).isTrue();
        assertThat(CommitRisk.mayHaveCommitted("update t set a = 1;\n  create table x (a int);", false, true)).isTrue();
        assertThat(CommitRisk.mayHaveCommitted("UPDATE t SET a = 1; DELETE FROM t WHERE b = 2;", false, true)).isFalse();
        assertThat(CommitRisk.mayHaveCommitted("SELECT 'a;COMMIT'; SELECT `x;y` FROM t /* ; COMMIT */", true, false)).isFalse();
        assertThat(CommitRisk.mayHaveCommitted("SELECT 1; INSERT INTO t VALUES (1)", true, false)).isTrue();
        assertThat(CommitRisk.mayHaveCommitted("INSERT INTO t VALUES (';');", false, true)).isFalse();
    }

    @Test
    void aJdbcCallEscapeIsACall() {
        assertThat(CommitRisk.firstKeyword("{call p(?)}")).isEqualTo("CALL");
        assertThat(CommitRisk.firstKeyword("{ ? = call f(?) }")).isEqualTo("CALL");
        assertThat(CommitRisk.mayHaveCommitted("{call p(?)}", false, true)).isTrue();
        assertThat(CommitRisk.mayHaveCommitted("{?= call f(?)}", true, false)).isTrue();
    }

    @Test
    void lockAndUnlockMayCommitAnOpenTransaction() {
        assertThat(CommitRisk.mayHaveCommitted("LOCK TABLES t WRITE", false, true)).isTrue();
        assertThat(CommitRisk.mayHaveCommitted("UNLOCK TABLES", false, true)).isTrue();
    }

    @Test
    void anUnknownStatementMayHaveCommitted() {
        assertThat(CommitRisk.mayHaveCommitted(null, false, true)).isTrue();
        assertThat(CommitRisk.mayHaveCommitted("", false, true)).isTrue();
    }

    @Test
    void firstKeywordSkipsCommentsWhiteSpaceAndParentheses() {
        assertThat(CommitRisk.firstKeyword("  /* a */ /*b*/ ((select 1))")).isEqualTo("SELECT");
        assertThat(CommitRisk.firstKeyword("-- x\n# y\n\tinsert into t")).isEqualTo("INSERT");
        assertThat(CommitRisk.firstKeyword("/* unterminated")).isEmpty();
    }
}
