package dev.stickyfail.store.shared;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Objects;

/**
 * A {@link Register} in this JVM: linearizable by a lock. For tests, benchmarks and simulations, with the two faults a
 * real shared register has: it can lose its value ({@link #wipe()}) and it can be out of reach
 * ({@link #setReachable(boolean)}).
 */
public final class InMemoryRegister implements Register {

    private final String name;
    private String value;
    private boolean reachable = true;

    public InMemoryRegister(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public synchronized String get() throws SQLException {
        reach();
        return value;
    }

    @Override
    public synchronized boolean compareAndSet(String expect, String update) throws SQLException {
        reach();
        if (!Objects.equals(value, expect)) {
            return false;
        }
        value = update;
        return true;
    }

    /** Loses the value, as a CP reset does. */
    public synchronized void wipe() {
        value = null;
    }

    /** Writes {@code text} unconditionally (another program writing to the same name). */
    public synchronized void overwrite(String text) {
        value = text;
    }

    /** The value, whether reachable or not, for assertions. */
    public synchronized String peek() {
        return value;
    }

    /** While false, every operation throws {@link SQLTransientConnectionException} (08001) without taking effect. */
    public synchronized void setReachable(boolean reachable) {
        this.reachable = reachable;
    }

    @Override
    public String name() {
        return name;
    }

    private void reach() throws SQLException {
        if (!reachable) {
            throw new SQLTransientConnectionException(name + " cannot be reached (test)", "08001");
        }
    }
}
