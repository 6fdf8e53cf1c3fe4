package dev.stickyfail.internal.runtime;

import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.protocol.StandardSocketFactory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;

/**
 * Connector/J's own socket factory, keeping hold of the TCP socket under any TLS layer, so that:
 * <ul>
 *   <li>a switch can cut the connection at once: closing that socket with {@code SO_LINGER=0} sends a reset, throws
 *       out a thread blocked writing to a frozen server, and drops whatever bytes were still queued for the old server;</li>
 *   <li>with a shared store, no byte is written once the lease on the decision has run out (a JVM resumed after a
 *       long pause): the lease is checked before every chunk of at most {@value #CHUNK} bytes, so a large statement
 *       stops at its next chunk, and the group cuts every leased socket at the deadline besides. A thread paused
 *       between the check and the write itself can still send one chunk late; the fence at the server (a session killed
 *       there refuses it) covers that where the old server answers.</li>
 * </ul>
 * Set as {@code socketFactory} on application connections unless the user set their own.
 */
public final class FencingSocketFactory extends StandardSocketFactory {

    /** At most this much is written after one lease check. */
    static final int CHUNK = 64 * 1024;

    /** The connection being opened on this thread, if any; Connector/J creates us reflectively. */
    static final ThreadLocal<Opening> CONNECTING = new ThreadLocal<>();

    private final Lease lease;
    private final Opening opening;

    public FencingSocketFactory() {
        Opening o = CONNECTING.get();
        this.opening = o;
        this.lease = o == null ? Lease.NONE : o.lease;
    }

    @Override
    protected Socket createSocket(PropertySet props) {
        Socket s = lease.enabled() ? new LeasedSocket(lease) : new Socket();
        if (opening != null) {
            opening.attach(s);
        }
        return s;
    }

    /** Resets the TCP connection now; never blocks. */
    void cut() {
        reset(rawSocket);
    }

    /**
     * A physical connection being opened, for its group's lease and so that a fence can cut it: a hung server accepts
     * the TCP connection (its kernel does) and never sends its greeting, and the attempt would wait out
     * {@code stickyfail.connectTimeout} while the pool's only connection-adding thread waits with it.
     */
    static final class Opening {
        final Lease lease;
        final int server;
        /** Wall clock, Connector/J's resolution: to compare with the times it keeps for established sessions. */
        final long startedMillis = System.currentTimeMillis();
        private volatile Socket socket;
        private volatile boolean cut;

        Opening(Lease lease, int server) {
            this.lease = lease;
            this.server = server;
        }

        private void attach(Socket s) {
            socket = s;
            if (cut) {
                reset(s);
            }
        }

        /** Resets the attempt's socket now, or as soon as it is created; never blocks. */
        void cut() {
            cut = true;
            reset(socket);
        }

        /** Whether a fence cut this attempt (its failure then says nothing about the server). */
        boolean wasCut() {
            return cut;
        }
    }

    private static void reset(Socket s) {
        if (s == null) {
            return;
        }
        try {
            s.setSoLinger(true, 0);
        } catch (IOException | RuntimeException e) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException | RuntimeException e) {
            // already closed
        }
    }

    /** A TCP socket that refuses to write once the lease has run out. */
    private static final class LeasedSocket extends Socket {
        private final Lease lease;

        LeasedSocket(Lease lease) {
            this.lease = lease;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return new LeasedOutput(super.getOutputStream(), lease);
        }
    }

    private static final class LeasedOutput extends FilterOutputStream {
        private final Lease lease;

        LeasedOutput(OutputStream out, Lease lease) {
            super(out);
            this.lease = lease;
        }

        private void check() throws SocketException {
            if (lease.expired()) {
                throw new SocketException("stickyfail: not sent: the lease on the shared decision ran out "
                        + -lease.remainingMillis() + " ms ago and it has not been confirmed since");
            }
        }

        @Override
        public void write(int b) throws IOException {
            check();
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            do {
                int n = Math.min(len, CHUNK);
                check();
                out.write(b, off, n);
                off += n;
                len -= n;
            } while (len > 0);
        }
    }
}
