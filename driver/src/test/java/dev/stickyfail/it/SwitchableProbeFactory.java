package dev.stickyfail.it;

import dev.stickyfail.probe.MysqlProbe;
import dev.stickyfail.probe.Probe;
import dev.stickyfail.probe.ProbeFactory;
import dev.stickyfail.probe.ProbeResult;
import dev.stickyfail.probe.ProbeTarget;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A probe registered through the {@link ProbeFactory} service ({@code stickyfail.check=switchable}): a real
 * {@link MysqlProbe}, unless a test made the server's probe hang, ignoring {@code abort()}, as a badly written custom
 * probe would.
 */
public final class SwitchableProbeFactory implements ProbeFactory {

    /** server ({@code host:port}) whose probe hangs until the latch opens. */
    static final Map<String, CountDownLatch> HANGING = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "switchable";
    }

    /** servers whose probe cannot even be created: the factory throws, as a buggy custom factory would. */
    static final Set<String> FACTORY_THROWS = ConcurrentHashMap.newKeySet();

    /** servers whose probe throws an unchecked exception from check(), as a buggy custom probe would. */
    static final Set<String> CHECK_THROWS = ConcurrentHashMap.newKeySet();

    @Override
    public Probe create(ProbeTarget target) {
        if (FACTORY_THROWS.contains(target.server().toString())) {
            throw new IllegalStateException("test: this probe factory is broken");
        }
        MysqlProbe real = new MysqlProbe(target);
        return new Probe() {
            @Override
            public ProbeResult check() throws Exception {
                if (CHECK_THROWS.contains(target.server().toString())) {
                    throw new NullPointerException("test: this probe is broken");
                }
                CountDownLatch hang = HANGING.get(target.server().toString());
                if (hang != null) {
                    hang.await(); // deliberately deaf to abort(): only the watchdog's deadline can count this probe
                    return ProbeResult.pass("released");
                }
                return real.check();
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
