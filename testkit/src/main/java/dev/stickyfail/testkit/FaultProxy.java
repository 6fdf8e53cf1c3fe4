package dev.stickyfail.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 in front of one server, for network faults a process signal cannot make.
 *
 * <ul>
 *   <li>{@link #passThrough()}: forwards both ways, no fault (the initial mode).</li>
 *   <li>{@link #blackhole()}: new connections are accepted and never answered; on existing ones every byte, both
 *   ways, is read and thrown away, and so is a close: when one side closes or resets its connection, the other
 *   side is not told until traffic flows again. A client notices only through its own timeouts. The bytes are
 *   gone, so a connection that lived through a blackhole is corrupt afterwards; new connections work again after
 *   {@link #passThrough()}.</li>
 *   <li>{@link #partition()}: like a real network partition that later heals. Nothing crosses, nothing is
 *   thrown away: the proxy stops reading, so bytes wait in socket buffers (as TCP would retransmit them) and are
 *   delivered, in order, when {@link #passThrough()} is called, even if the client has given up on them by then
 *   (exactly the case of a statement that timed out on the client and still runs on the server afterwards).
 *   Connections accepted meanwhile are connected to the server then.</li>
 *   <li>{@link #delay(Duration)}: forwards, holding each chunk read for the given time first.</li>
 *   <li>{@link #resetAll()}: resets every current connection (SO_LINGER 0 then close: an RST to the client and to
 *   the server); the mode is unchanged, so new connections are handled as before.</li>
 * </ul>
 * Connections accepted during a blackhole or a partition are connected to the server when {@link #passThrough()}
 * is called (their clients may have given up by then, which the server then sees as a dropped connection).
 * When the server refuses the proxy's own connection (it is down), the client's connection is reset at once.
 */
public final class FaultProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** What the proxy does with traffic. */
    public enum Mode {
        PASS_THROUGH, BLACKHOLE, PARTITION
    }

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket listener;
    private final ExecutorService threads;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Object modeLock = new Object();
    private volatile Mode mode = Mode.PASS_THROUGH;
    private volatile long delayNanos;
    private volatile boolean closed;

    private FaultProxy(InetSocketAddress bind, String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(bind, 200);
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "faultproxy-" + listener.getLocalPort() + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.threads = Executors.newCachedThreadPool(factory);
        threads.execute(this::acceptLoop);
    }

    /** Starts a proxy on 127.0.0.1 and a free port, forwarding to {@code targetHost:targetPort}. */
    public static FaultProxy start(String targetHost, int targetPort) {
        try {
            FaultProxy proxy = new FaultProxy(new InetSocketAddress(Ports.loopback(), 0), targetHost, targetPort);
            LOG.info("{} started", proxy);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a proxy to " + targetHost + ":" + targetPort, e);
        }
    }

    /**
     * Starts a proxy on a given loopback address and port (any of 127.0.0.0/8), forwarding to {@code server}: several
     * application instances can then each reach "the same" {@code host:port} through a proxy of their own, one
     * address each, and be cut off one at a time.
     */
    public static FaultProxy startOn(String bindAddress, int bindPort, DbServer server) {
        try {
            FaultProxy proxy = new FaultProxy(new InetSocketAddress(java.net.InetAddress.getByName(bindAddress), bindPort),
                    server.host(), server.port());
            LOG.info("{} started", proxy);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a proxy on " + bindAddress + ":" + bindPort + " to " + server, e);
        }
    }

    /** A free port below the ephemeral range, to bind proxies on several loopback addresses. */
    public static int freePort() {
        return Ports.freeServerPort();
    }

    /** A proxy in front of {@code server}. */
    public static FaultProxy start(DbServer server) {
        return start(server.host(), server.port());
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** {@code 127.0.0.1}. */
    public String host() {
        return listener.getInetAddress().getHostAddress();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostAndPort() {
        return host() + ":" + port();
    }

    public String targetHost() {
        return targetHost;
    }

    public int targetPort() {
        return targetPort;
    }

    public Mode mode() {
        return mode;
    }

    /** The latency added by {@link #delay(Duration)}; zero otherwise. */
    public Duration currentDelay() {
        return Duration.ofNanos(delayNanos);
    }

    /** No fault: forward both ways, no delay. Releases whatever a {@link #partition()} held back. */
    public void passThrough() {
        setMode(Mode.PASS_THROUGH, 0);
    }

    /** New connections are accepted and never answered; bytes on existing ones are swallowed, both ways. */
    public void blackhole() {
        setMode(Mode.BLACKHOLE, 0);
    }

    /** Nothing crosses until {@link #passThrough()}, and nothing is lost; see the class comment. */
    public void partition() {
        setMode(Mode.PARTITION, 0);
    }

    /** Forward, holding every chunk for {@code latency} (per chunk, each direction). */
    public void delay(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + latency);
        }
        setMode(Mode.PASS_THROUGH, latency.toNanos());
    }

    private void setMode(Mode newMode, long newDelayNanos) {
        synchronized (modeLock) {
            mode = newMode;
            delayNanos = newDelayNanos;
            modeLock.notifyAll();
        }
        LOG.info("{}: {}{}", this, newMode, newDelayNanos > 0 ? " with " + Duration.ofNanos(newDelayNanos) : "");
    }

    /** Resets (RST) every connection open now, both to the client and to the server. */
    public void resetAll() {
        List<Link> current = List.copyOf(links);
        for (Link link : current) {
            link.reset();
        }
        LOG.info("{}: reset {} connection(s)", this, current.size());
    }

    /** Client connections accepted and not closed yet, whatever the mode. */
    public int openConnections() {
        return links.size();
    }

    /** Stops listening and resets every connection. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        synchronized (modeLock) {
            modeLock.notifyAll();
        }
        for (Link link : List.copyOf(links)) {
            link.reset();
        }
        threads.shutdownNow();
        LOG.info("{} closed", this);
    }

    @Override
    public String toString() {
        return "FaultProxy[127.0.0.1:" + port() + " -> " + targetHost + ":" + targetPort + "]";
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                client.setTcpNoDelay(true);
                Link link = new Link(client);
                links.add(link);
                threads.execute(link::run);
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: accept failed: {}", this, e.toString());
                }
            } catch (RuntimeException e) {
                // executor shut down during close
                return;
            }
        }
    }

    /** Blocks while the mode is one of {@code waitWhile}; false once the link or proxy closed. */
    private boolean awaitModeNot(Link link, Mode... waitWhile) throws InterruptedException {
        synchronized (modeLock) {
            while (!closed && !link.closed && contains(waitWhile, mode)) {
                modeLock.wait(500);
            }
            return !closed && !link.closed;
        }
    }

    private static boolean contains(Mode[] modes, Mode mode) {
        for (Mode m : modes) {
            if (m == mode) {
                return true;
            }
        }
        return false;
    }

    /** One client connection and, once forwarding began, its connection to the server. */
    private final class Link {
        private final Socket client;
        private volatile Socket upstream;
        private volatile boolean closed;

        Link(Socket client) {
            this.client = client;
        }

        void run() {
            try {
                // Accepted while blackholed or partitioned: stay silent until traffic may pass.
                if (!awaitModeNot(this, Mode.BLACKHOLE, Mode.PARTITION)) {
                    return;
                }
                Socket server = new Socket();
                try {
                    server.connect(new InetSocketAddress(targetHost, targetPort), CONNECT_TIMEOUT_MILLIS);
                    server.setTcpNoDelay(true);
                } catch (IOException e) {
                    server.close();
                    LOG.debug("{}: cannot reach the server ({}); resetting the client", FaultProxy.this, e.toString());
                    reset();
                    return;
                }
                upstream = server;
                if (this.closed) {
                    reset();
                    return;
                }
                threads.execute(() -> pump(server, client));
                pump(client, server);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reset();
            } catch (IOException | RuntimeException e) {
                close();
            }
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (!closed) {
                    if (!awaitModeNot(this, Mode.PARTITION)) {
                        return;
                    }
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    long readAt = System.nanoTime();
                    // A partition that began while we were reading holds these bytes until it ends.
                    if (!awaitModeNot(this, Mode.PARTITION)) {
                        return;
                    }
                    if (mode == Mode.BLACKHOLE) {
                        LOG.trace("{}: swallowed {} bytes from {}", FaultProxy.this, n, from.getPort());
                        continue; // swallowed
                    }
                    long wait = readAt + delayNanos - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    LOG.trace("{}: forwarded {} bytes from {}", FaultProxy.this, n, from.getPort());
                }
                LOG.trace("{}: end of stream from {}", FaultProxy.this, from.getPort());
                closeWhenTrafficFlows();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
            } catch (IOException | RuntimeException e) {
                LOG.trace("{}: {} while forwarding from {}", FaultProxy.this, e.toString(), from.getPort());
                closeWhenTrafficFlows();
            }
        }

        /**
         * One side closed or failed. A blackhole or partition swallows that too: the other side learns of it only
         * once traffic flows again (or the link is reset).
         */
        private void closeWhenTrafficFlows() {
            try {
                awaitModeNot(this, Mode.BLACKHOLE, Mode.PARTITION);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
        }

        /** Orderly close of both sides. */
        void close() {
            closeSockets(false);
        }

        /** RST to both sides. */
        void reset() {
            closeSockets(true);
        }

        private void closeSockets(boolean rst) {
            closed = true;
            links.remove(this);
            synchronized (modeLock) {
                modeLock.notifyAll();
            }
            for (Socket s : new Socket[] {client, upstream}) {
                if (s == null) {
                    continue;
                }
                try {
                    if (rst && !s.isClosed()) {
                        s.setSoLinger(true, 0);
                    }
                    s.close();
                } catch (IOException e) {
                    // already gone
                }
            }
        }
    }
}
