package dev.stickyfail.internal.jdbc;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wrappers follow the rule table ({@code src/main/jdbc-wrappers/rules.txt}): a method the table marks
 * {@code hand:*} is written by hand and nowhere generated; every other method is generated and never also written by
 * hand (a hand-written one would be silently replaced); and no method of the interfaces is left to a default method
 * of the interface, which would skip the delegate. The generator refuses a table that misses a method or leaves a
 * result set, statement or connection unwrapped; the behaviour of each rule on real servers is in
 * {@code dev.stickyfail.it.WrapperRulesOnServersTest} and {@code ErrorContractTest}.
 */
class WrapperRulesTest {

    private static final Map<Class<?>, Class<?>[]> WRAPPERS = Map.of(
            Connection.class, new Class<?>[] {GeneratedStickyConnection.class, StickyConnection.class},
            Statement.class, new Class<?>[] {GeneratedStickyStatement.class, StickyStatement.class},
            PreparedStatement.class, new Class<?>[] {GeneratedStickyPreparedStatement.class, StickyPreparedStatement.class},
            CallableStatement.class, new Class<?>[] {GeneratedStickyCallableStatement.class, StickyCallableStatement.class},
            ResultSet.class, new Class<?>[] {GeneratedStickyResultSet.class, StickyResultSet.class},
            DatabaseMetaData.class, new Class<?>[] {GeneratedStickyDatabaseMetaData.class, StickyDatabaseMetaData.class});

    @Test
    void everyMethodIsWhereItsRuleSays() throws java.io.IOException {
        Map<String, String> rules = RuleTable.rules();
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<Class<?>, Class<?>[]> e : WRAPPERS.entrySet()) {
            Class<?> generated = e.getValue()[0];
            for (Method m : e.getKey().getMethods()) {
                if (Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                String rule = rules.get(RuleTable.key(m));
                if (rule == null) {
                    wrong.add("no rule: " + RuleTable.key(m));
                    continue;
                }
                Method impl = implementation(generated, m);
                Class<?> where = impl.getDeclaringClass();
                if (where.isInterface()) {
                    wrong.add(generated.getSimpleName() + "." + m.getName() + " falls through to the interface's default");
                } else if (rule.startsWith("hand:") && where == generated) {
                    wrong.add(RuleTable.key(m) + " is " + rule + " but generated");
                } else if (!rule.startsWith("hand:") && where != generated) {
                    wrong.add(RuleTable.key(m) + " is " + rule + " but written by hand in " + where.getSimpleName()
                            + " (the generated method would replace it)");
                }
                checked++;
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(checked).as("methods checked").isGreaterThan(600);
    }

    @Test
    void everyGeneratedWrapperIsFinalAndEveryHandWrittenOneAbstract() {
        for (Class<?>[] pair : WRAPPERS.values()) {
            assertThat(Modifier.isFinal(pair[0].getModifiers())).as(pair[0].getSimpleName()).isTrue();
            assertThat(Modifier.isAbstract(pair[1].getModifiers())).as(pair[1].getSimpleName()).isTrue();
            assertThat(pair[1]).isAssignableFrom(pair[0]);
        }
    }

    private static Method implementation(Class<?> c, Method m) {
        try {
            return c.getMethod(m.getName(), m.getParameterTypes());
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
