package dev.stickyfail.internal.runtime;

import dev.stickyfail.internal.decider.Route;

import java.util.concurrent.TimeUnit;

/**
 * Where new connections go, as one volatile value the application threads read without a lock, and the place they
 * wait while there is nowhere to go. Only the decider (and {@code stop}) publishes.
 */
final class Router {

    private final Object signal = new Object();
    private volatile Route route = Route.NONE;

    Route current() {
        return route;
    }

    void publish(Route r) {
        if (r.equals(route)) {
            return;
        }
        route = r;
        wakeAll();
    }

    void wakeAll() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /**
     * Waits for a usable route.
     *
     * @return the route, or {@code null} when {@code deadline} passed or {@code stopped} became true first
     */
    Route awaitUsable(long deadline, java.util.function.BooleanSupplier stopped) throws InterruptedException {
        Route r = route;
        if (r.usable()) {
            return r;
        }
        synchronized (signal) {
            while (!(r = route).usable()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || stopped.getAsBoolean()) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(signal, remaining);
            }
        }
        return r;
    }

    /** Waits until the route is no longer {@code seen}, or until {@code until}. */
    void awaitChange(Route seen, long until, java.util.function.BooleanSupplier stopped) throws InterruptedException {
        synchronized (signal) {
            long remaining;
            while (route == seen && !stopped.getAsBoolean() && (remaining = until - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(signal, remaining);
            }
        }
    }
}
