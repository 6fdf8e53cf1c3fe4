package dev.stickyfail.hazelcast;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every Hazelcast call the store makes, bounded: an asynchronous call is awaited until a deadline, and a call Hazelcast
 * offers only blocking (creating a CP proxy commits to the METADATA group and can wait for minutes while the group has
 * no majority) runs on a daemon thread that the caller stops waiting for. A timeout or failure is an
 * {@link SQLException} (08001) naming the store, what it asked and how long it waited.
 */
final class Calls {

    private static final AtomicInteger THREADS = new AtomicInteger();
    static final ExecutorService BLOCKING = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stickyfail-hazelcast-call-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private Calls() {
    }

    static <T> T await(CompletionStage<T> stage, Duration timeout, String what, String store) throws SQLException {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stage.toCompletableFuture().cancel(false);
            throw timedOut(what, store, timeout, e);
        } catch (ExecutionException e) {
            throw failed(what, store, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(what, store, e);
        } catch (RuntimeException e) {
            throw failed(what, store, e);
        }
    }

    /** Like {@link #await}, but a call that runs out goes on, so that a later caller can await the same result. */
    static <T> T awaitWithoutCancel(CompletionStage<T> stage, Duration timeout, String what, String store) throws SQLException {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw timedOut(what, store, timeout, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw failed(what, store, c instanceof java.util.concurrent.CompletionException && c.getCause() != null
                    ? c.getCause() : c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(what, store, e);
        }
    }

    static <T> T blocking(Callable<T> call, Duration timeout, String what, String store) throws SQLException {
        Future<T> f = BLOCKING.submit(call);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw timedOut(what, store, timeout, e);
        } catch (ExecutionException e) {
            throw failed(what, store, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw failed(what, store, e);
        }
    }

    private static SQLException timedOut(String what, String store, Duration timeout, Throwable cause) {
        return new SQLTransientConnectionException(store + " did not answer " + what + " within " + timeout.toMillis()
                + " ms (stickyfail.hazelcast.callTimeout)", "08001", cause);
    }

    private static SQLException failed(String what, String store, Throwable cause) {
        if (cause instanceof SQLException s) {
            return s;
        }
        return new SQLTransientConnectionException(store + " failed " + what + ": " + cause, "08001", cause);
    }
}
