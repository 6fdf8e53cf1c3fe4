package dev.stickyfail.probe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** {@code stickyfail.check=tcp}: the server accepts a TCP connection (HAProxy's plain {@code check}). */
public final class TcpProbe implements Probe {

    private final ProbeTarget target;
    private volatile Socket socket;

    public TcpProbe(ProbeTarget target) {
        this.target = target;
    }

    @Override
    public ProbeResult check() throws IOException {
        try (Socket s = new Socket()) {
            socket = s;
            s.connect(new InetSocketAddress(target.server().host(), target.server().port()),
                    (int) Math.max(1, target.timeout().toMillis()));
            return ProbeResult.pass();
        } finally {
            socket = null;
        }
    }

    @Override
    public void abort() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
    }
}
