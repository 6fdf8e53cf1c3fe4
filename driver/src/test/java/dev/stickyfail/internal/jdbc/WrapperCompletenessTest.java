package dev.stickyfail.internal.jdbc;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written wrappers delegate every method of their {@code java.sql} interface, default methods included:
 * a default method left to the interface would silently skip the delegate (a new JDK adds some, as Java 9 added
 * {@code beginRequest}). This test is the drift guard that a build-time generator would otherwise be.
 */
class WrapperCompletenessTest {

    @Test
    void everyInterfaceMethodIsImplementedByTheWrapperItself() {
        List<String> missing = new ArrayList<>();
        check(StickyConnection.class, Connection.class, missing);
        check(StickyStatement.class, Statement.class, missing);
        check(StickyPreparedStatement.class, PreparedStatement.class, missing);
        check(StickyCallableStatement.class, CallableStatement.class, missing);
        assertThat(missing).as("methods that fall through to an interface's default").isEmpty();
    }

    private static void check(Class<?> wrapper, Class<?> iface, List<String> missing) {
        for (Method m : iface.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                Method impl = wrapper.getMethod(m.getName(), m.getParameterTypes());
                if (impl.getDeclaringClass().isInterface()) {
                    missing.add(wrapper.getSimpleName() + "." + m.getName());
                }
            } catch (NoSuchMethodException e) {
                missing.add(wrapper.getSimpleName() + "." + m.getName());
            }
        }
    }
}
