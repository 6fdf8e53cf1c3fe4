package dev.stickyfail.hikari;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.stickyfail.StickyFail;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchStartingEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Soft-evicts a pool's connections when a switch of its group starts. Runs on the group's decider thread, which
 * waits for it: {@code softEvictConnections} only marks entries and hands idle ones to HikariCP's closer thread.
 */
final class PoolRetirer implements StickyFailListener {

    private static final Logger LOG = LoggerFactory.getLogger(PoolRetirer.class);

    private final HikariDataSource pool;
    private final String group;
    private final AtomicLong retirements = new AtomicLong();

    PoolRetirer(HikariDataSource pool, String group) {
        this.pool = pool;
        this.group = group;
    }

    @Override
    public void onSwitchStarting(SwitchStartingEvent event) {
        if (!group.equals(event.group()) || event.from() == null) {
            return; // another group, or the first decision (the pool has no connection to anything yet)
        }
        if (pool.isClosed()) {
            StickyFail.removeGlobalListener(this); // the pool is gone for good: nothing to retire ever again
            return;
        }
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        if (mx == null) {
            return; // not started yet: it holds no connection
        }
        int idle = mx.getIdleConnections();
        int active = mx.getActiveConnections();
        mx.softEvictConnections();
        retirements.incrementAndGet();
        LOG.info("stickyfail[{}] switch from {} to {} (epoch {}) starting: pool {} retired {} idle connections now and "
                        + "{} in use on return", group, event.from(), event.to(), event.epoch(), pool.getPoolName(), idle, active);
    }

    long retirements() {
        return retirements.get();
    }
}
