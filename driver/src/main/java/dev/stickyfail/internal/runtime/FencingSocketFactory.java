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

    /** The lease of the group whose connection is being opened on this thread; Connector/J creates us reflectively. */
    static final ThreadLocal<Lease> CONNECTING = new ThreadLocal<>();

    private final Lease lease;

    public FencingSocketFactory() {
        Lease l = CONNECTING.get();
        this.lease = l == null ? Lease.NONE : l;
    }

    @Override
    protected Socket createSocket(PropertySet props) {
        return lease.enabled() ? new LeasedSocket(lease) : new Socket();
    }

    /** Resets the TCP connection now; never blocks. */
    void cut() {
        Socket s = rawSocket;
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
