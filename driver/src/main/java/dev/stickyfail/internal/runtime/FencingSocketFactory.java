package dev.stickyfail.internal.runtime;

import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.protocol.StandardSocketFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.Socket;

/**
 * Connector/J's own socket factory, keeping hold of the TCP socket under any TLS layer, so a switch can cut the
 * connection at once: closing that socket with {@code SO_LINGER=0} sends a reset, throws out a thread blocked writing
 * to a frozen server (which Connector/J's own {@code abort()} would wait behind), and drops whatever bytes were still
 * queued for the old server. Set as {@code socketFactory} on application connections unless the user set their own.
 */
public final class FencingSocketFactory extends StandardSocketFactory {

    @Override
    public <T extends Closeable> T connect(String hostname, int portNumber, PropertySet pset, int loginTimeout)
            throws IOException {
        return super.connect(hostname, portNumber, pset, loginTimeout);
    }

    /** The TCP socket, or {@code null} before it exists. */
    Socket tcpSocket() {
        return rawSocket;
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
}
