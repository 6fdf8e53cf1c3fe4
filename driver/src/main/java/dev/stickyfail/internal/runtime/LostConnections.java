package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ServerAddress;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * When a connection to a server is lost (the server closed or reset it: it did not merely stop answering), the
 * application thread that saw it asks the server for a new TCP connection at once. If the server refuses, its process
 * is gone, and so is every session it had: every connection to it opened before is marked broken there and then, while
 * idle ones are still unused. Their next use then replaces them (nothing was sent on them), as after a switch, instead
 * of writing a request to a dead server and failing with an unknown outcome. The probe and the switch would find the
 * same, later: on a busy machine tens of milliseconds, in which a pool hands out many such connections.
 */
final class LostConnections {

    /** A refused connect answers at once; an accepted one too. This bounds a host that stopped answering. */
    private static final int CHECK_TIMEOUT_MILLIS = 200;

    private final ConnectionRegistry registry;
    /** Per server: 1 while a thread checks it (one check at a time; the others' failures need none of their own). */
    private final AtomicIntegerArray checking;

    LostConnections(ConnectionRegistry registry, int servers) {
        this.registry = registry;
        this.checking = new AtomicIntegerArray(servers);
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
     * Checks whether the server refuses new connections; if it does, marks every connection to it opened before the
     * check began. Runs on the application thread whose call just failed, before its error is thrown.
     */
    void check(GroupRuntime runtime, int server) {
        if (!checking.compareAndSet(server, 0, 1)) {
            return;
        }
        try {
            long startedAt = System.nanoTime();
            ServerAddress address = runtime.server(server);
            if (refuses(address)) {
                Eviction why = new Eviction(runtime.name(), address, "connection lost, and " + address
                        + " refuses new connections: its server process is gone", null, runtime.epoch());
                registry.markOpenedBefore(server, startedAt, why);
            }
        } finally {
            checking.set(server, 0);
        }
    }

    private static boolean refuses(ServerAddress address) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address.host(), address.port()), CHECK_TIMEOUT_MILLIS);
            return false;
        } catch (ConnectException e) {
            return true; // nothing listens on the port (no route to the host is a SocketException, not this)
        } catch (IOException | RuntimeException e) {
            return false; // unreachable or slow: not a proof that the process is gone
        }
    }
}
