package dev.stickyfail.internal.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fences a server: every connection to it is marked unusable first (that alone stops new statements), its TCP
 * connection is reset (which frees a thread blocked writing to a frozen server and drops bytes still queued for it),
 * and Connector/J's {@code abort()} runs on the fence's own threads, waited for at most {@code abortWait}. A switch
 * therefore never hangs on a hung server.
 */
final class Fence {

    private static final Logger LOG = LoggerFactory.getLogger(Fence.class);
    private static final int ABORT_THREADS = 16;

    private final String group;
    private final ConnectionRegistry registry;
    private final Duration abortWait;
    private final ExecutorService aborter;

    Fence(String group, ConnectionRegistry registry, Duration abortWait) {
        this.group = group;
        this.registry = registry;
        this.abortWait = abortWait;
        AtomicInteger n = new AtomicInteger();
        // bounded: sockets are cut before any abort is queued, so a queued abort holds nothing up
        ThreadPoolExecutor pool = new ThreadPoolExecutor(ABORT_THREADS, ABORT_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "stickyfail-fence[" + group + "]-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.aborter = pool;
    }

    /**
     * Marks and cuts every connection to {@code server} and queues their aborts without waiting for them: for a
     * thread that must not block (the lease deadline's timer, a stop that cannot wait for the decider).
     *
     * @return how many connections this call fenced
     */
    int cut(int server, Eviction why) {
        List<TrackedConnection> marked = registry.mark(server, why);
        noteRunning(marked);
        for (TrackedConnection t : marked) {
            t.cutSocket();
        }
        for (TrackedConnection t : marked) {
            try {
                aborter.execute(t::abortPhysical);
            } catch (RuntimeException e) {
                // closed: the socket is cut already
            }
        }
        return marked.size();
    }

    /** @return how many connections this call fenced */
    int fence(int server, Eviction why) {
        registry.cutOpening(server); // before the marking: an attempt that completes now is refused by its gate
        List<TrackedConnection> marked = registry.mark(server, why);
        if (marked.isEmpty()) {
            return 0;
        }
        noteRunning(marked);
        // Marked, no statement starts on them; reset, nothing queued for the server is delivered and a thread blocked
        // on the socket is freed. That is the fence. Connector/J's abort only frees its resources after it, so the
        // switch waits for it only where no socket of ours could be reset.
        boolean[] reset = new boolean[marked.size()];
        int uncut = 0;
        for (int i = 0; i < reset.length; i++) {
            reset[i] = marked.get(i).cutSocket();
            uncut += reset[i] ? 0 : 1;
        }
        CountDownLatch done = new CountDownLatch(uncut);
        for (int i = 0; i < reset.length; i++) {
            TrackedConnection t = marked.get(i);
            boolean waited = !reset[i];
            try {
                aborter.execute(() -> {
                    try {
                        t.abortPhysical();
                    } finally {
                        if (waited) {
                            done.countDown();
                        }
                    }
                });
            } catch (RuntimeException e) { // rejected after close()
                if (waited) {
                    done.countDown();
                }
            }
        }
        try {
            if (!done.await(abortWait.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("stickyfail[{}] {} of {} aborted connections to {} (opened without stickyfail's socket, so not "
                                + "reset) are still closing after {} ms; they are marked unusable, so the switch goes on",
                        group, done.getCount(), marked.size(), why.server(), abortWait.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return marked.size();
    }

    /** Before the cut: a statement running now may go on at the server after it (MySQL does not stop it). */
    private void noteRunning(List<TrackedConnection> marked) {
        for (TrackedConnection t : marked) {
            if (t.statementRunning()) {
                registry.leftRunning();
                return;
            }
        }
    }

    /**
     * A planned switch's drain: until no connection to these servers is busy (a transaction open, a statement
     * running), or until {@code timeoutNanos}, marks each one as soon as it is idle, so its next use is replaced on the
     * new server. Aborts nothing: the local fence that follows does that to what is still busy.
     *
     * @return how many were still busy at the end
     */
    int drain(List<Integer> servers, java.util.function.IntFunction<Eviction> why, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            int busy = 0;
            for (int server : servers) {
                Eviction e = why.apply(server);
                for (TrackedConnection t : registry.connections(server)) {
                    if (t.markIfIdle(e)) {
                        busy++;
                    }
                }
            }
            if (busy == 0 || System.nanoTime() - deadline >= 0) {
                return busy;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // transactions ending
        }
    }

    void close() {
        aborter.shutdown();
    }
}
