package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ServerAddress;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When a connection to a server is lost (the server closed or reset it: it did not merely stop answering), the
 * application thread that saw it asks the server for a new TCP connection at once. If the server refuses, its process
 * is gone, and so is every session it had: every connection to it opened before is marked broken there and then, while
 * idle ones are still unused. Their next use then replaces them (nothing was sent on them), as after a switch, instead
 * of writing a request to a dead server and failing with an unknown outcome. The probe and the switch would find the
 * same, later: on a busy machine tens of milliseconds, in which a pool hands out many such connections.
 *
 * <p>The same check tells a request the server never read: a connection <em>reset</em> (not ended) by a server that
 * now refuses connections was closed with the request unread, or received it after it was closed. A kill resets every
 * connection with a request written while the process was dying; those requests ran nowhere ({@code 08S01}).
 */
final class LostConnections {

    /** A refused connect answers at once, a greeting too. This bounds a host or a server that stopped answering. */
    private static final int CHECK_TIMEOUT_MILLIS = 200;
    /** Within this of a check that found the server refusing, failing threads take its word and connect no more. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ConnectionRegistry registry;
    /** Per server: {@code System.nanoTime()} of the last check that found it refusing, or 0. */
    private final AtomicLongArray refusedAt;

    LostConnections(ConnectionRegistry registry, int servers) {
        this.registry = registry;
        this.refusedAt = new AtomicLongArray(servers);
    }

    /** The peer closed or reset the connection; a timeout, or our own abort, says nothing about the server's process. */
    static boolean lost(Throwable error) {
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
            if (t instanceof SocketException && !(t instanceof ConnectException) && t.getMessage() != null) {
                String m = t.getMessage();
                return m.contains("reset") || m.contains("Broken pipe");
            }
            if (t instanceof SocketTimeoutException) {
                return false;
            }
        }
        return false;
    }

    /**
     * The server's kernel reset the connection: the socket was closed with data in it that the server process had
     * not read (our request), or our request arrived after it was closed. A server that read the request and then
     * died, or closed the connection after answering, ends it with a FIN: the client reads an end of stream instead.
     */
    static boolean reset(Throwable error) {
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SocketException && t.getMessage() != null) {
                return t.getMessage().contains("Connection reset") || t.getMessage().contains("Broken pipe");
            }
        }
        return false;
    }

    /**
     * Whether the server refuses new TCP connections now (its process is gone); if it does, marks every connection to
     * it opened before the check began. Runs on the application thread whose call just failed, before its error is
     * thrown. A proxy between stickyfail and the server would accept the connection: then this proves nothing.
     */
    boolean check(GroupRuntime runtime, int server) {
        long startedAt = System.nanoTime();
        long last = refusedAt.get(server);
        if (last != 0 && startedAt - last < RECHECK_NANOS) {
            return true; // another thread just found it refusing, and marked the connections
        }
        ServerAddress address = runtime.server(server);
        if (!refuses(address)) {
            return false;
        }
        refusedAt.set(server, startedAt);
        Eviction why = new Eviction(runtime.name(), address, "connection lost, and " + address
                + " takes no new connection: its server process is gone", null, runtime.epoch());
        registry.markOpenedBefore(server, startedAt, why);
        return true;
    }

    /**
     * Whether nothing serves the server's port any more: the connection is refused, or accepted and then closed before
     * the server's greeting (a dying process whose listening socket the kernel has not closed yet). A greeting, a
     * timeout (a hung
     * or slow server) or any other error prove nothing.
     */
    private static boolean refuses(ServerAddress address) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address.host(), address.port()), CHECK_TIMEOUT_MILLIS);
            s.setSoTimeout(CHECK_TIMEOUT_MILLIS);
            return s.getInputStream().read() < 0;
        } catch (ConnectException e) {
            return true; // nothing listens on the port (no route to the host is a SocketException, not this)
        } catch (SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("Connection reset");
        } catch (IOException | RuntimeException e) {
            return false; // unreachable, hung or slow: not a proof that the process is gone
        }
    }
}
