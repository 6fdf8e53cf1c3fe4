package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * Wrappers for the cold paths, as dynamic proxies: {@link DatabaseMetaData} (it exists only so that
 * {@code getConnection()} returns the application's wrapper) and result sets of updatable statements (whose
 * {@code updateRow}, {@code insertRow} and {@code deleteRow} write, and so need the same SQLState judgement as a
 * statement). Hand-written delegation stays where the path is hot: connections and statements.
 */
final class ColdPathProxies {

    private static final Set<String> RESULT_SET_WRITES = Set.of("updateRow", "insertRow", "deleteRow");

    private ColdPathProxies() {
    }

    static DatabaseMetaData metaData(StickyConnection connection, TrackedConnection tracked, DatabaseMetaData delegate) {
        return (DatabaseMetaData) Proxy.newProxyInstance(ColdPathProxies.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, new Handler(delegate, tracked, connection, null));
    }

    /** A result set of a statement created {@code CONCUR_UPDATABLE}; {@code null} stays {@code null}. */
    static ResultSet resultSet(Statement statement, TrackedConnection tracked, ResultSet rs) {
        if (rs == null) {
            return null;
        }
        return (ResultSet) Proxy.newProxyInstance(ColdPathProxies.class.getClassLoader(),
                new Class<?>[] {ResultSet.class}, new Handler(rs, tracked, null, statement));
    }

    private static final class Handler implements InvocationHandler {
        private final Object delegate;
        private final TrackedConnection tracked;
        private final Connection connection;
        private final Statement statement;

        Handler(Object delegate, TrackedConnection tracked, Connection connection, Statement statement) {
            this.delegate = delegate;
            this.tracked = tracked;
            this.connection = connection;
            this.statement = statement;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            int arity = args == null ? 0 : args.length;
            if (arity == 0 && name.equals("getConnection") && connection != null) {
                return connection;
            }
            if (arity == 0 && name.equals("getStatement") && statement != null) {
                return statement;
            }
            if (arity == 1 && name.equals("unwrap") && ((Class<?>) args[0]).isInstance(proxy)) {
                return proxy;
            }
            if (arity == 1 && name.equals("isWrapperFor") && ((Class<?>) args[0]).isInstance(proxy)) {
                return true;
            }
            if (method.getDeclaringClass() == Object.class) {
                switch (name) {
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    default:
                        return "stickyfail " + method.getDeclaringClass().getSimpleName() + "[" + delegate + "]";
                }
            }
            boolean writes = statement != null && RESULT_SET_WRITES.contains(name);
            int status = -1;
            if (writes) {
                tracked.checkUsable();
                status = tracked.sessionStatus();
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof SQLException se) {
                    throw writes ? tracked.translateExecution(se, name.substring(0, 6).toUpperCase(java.util.Locale.ROOT), status)
                            : tracked.translate(se);
                }
                throw cause;
            }
        }
    }
}
