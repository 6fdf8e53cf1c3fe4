package dev.stickyfail.internal.jdbc;

import java.sql.SQLException;
import java.sql.Wrapper;

/** {@link Wrapper} for every stickyfail wrapper: the wrapper itself, then the Connector/J object, then what it wraps. */
final class Unwrapping {

    private Unwrapping() {
    }

    static <T> T unwrap(Object wrapper, Wrapper delegate, Class<T> iface) throws SQLException {
        if (iface.isInstance(wrapper)) {
            return iface.cast(wrapper);
        }
        if (iface.isInstance(delegate)) {
            return iface.cast(delegate);
        }
        return delegate.unwrap(iface);
    }

    static boolean isWrapperFor(Object wrapper, Wrapper delegate, Class<?> iface) throws SQLException {
        return iface.isInstance(wrapper) || iface.isInstance(delegate) || delegate.isWrapperFor(iface);
    }
}
