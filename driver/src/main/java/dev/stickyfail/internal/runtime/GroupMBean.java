package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.AccountCheck;
import dev.stickyfail.admin.ServerInfo;
import dev.stickyfail.admin.StickyFailGroupMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** The group's MXBean, {@code dev.stickyfail:type=Group,name="<group>"}: a thin view of {@link GroupRuntime}. */
final class GroupMBean implements StickyFailGroupMXBean {

    private static final Logger LOG = LoggerFactory.getLogger(GroupMBean.class);

    private final GroupRuntime runtime;
    private ObjectName objectName;

    GroupMBean(GroupRuntime runtime) {
        this.runtime = runtime;
    }

    static ObjectName objectName(String group) throws JMException {
        return new ObjectName("dev.stickyfail:type=Group,name=" + ObjectName.quote(group));
    }

    void register() {
        try {
            objectName = objectName(runtime.name());
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            server.registerMBean(this, objectName);
        } catch (JMException | RuntimeException e) {
            objectName = null;
            LOG.warn("stickyfail[{}] cannot register its MXBean: {}", runtime.name(), e.toString());
        }
    }

    void unregister() {
        if (objectName == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
        } catch (JMException | RuntimeException e) {
            LOG.debug("stickyfail[{}] cannot unregister its MXBean", runtime.name(), e);
        }
    }

    @Override
    public String getGroup() {
        return runtime.name();
    }

    @Override
    public String getActiveServer() {
        return runtime.activeServer().orElse("");
    }

    @Override
    public long getEpoch() {
        return runtime.epoch();
    }

    @Override
    public boolean isDecisionPersisted() {
        return runtime.decisionPersisted();
    }

    @Override
    public String getDecidedBy() {
        return runtime.decision().map(d -> d.decidedBy()).orElse("");
    }

    @Override
    public String getDecisionReason() {
        return runtime.decision().map(d -> d.reason()).orElse("");
    }

    @Override
    public String getStore() {
        return runtime.storeDescription();
    }

    @Override
    public boolean isLeaseHeld() {
        return runtime.coordination().leaseHeld();
    }

    @Override
    public long getLeaseRemainingMillis() {
        return runtime.coordination().leaseRemainingMillis();
    }

    @Override
    public String getLastStoreError() {
        return runtime.coordination().lastStoreError();
    }

    @Override
    public String[] getErrantTransactions() {
        return runtime.errantTransactions().stream().map(r -> r.at() + " epoch " + r.epoch() + ": " + r.message())
                .toArray(String[]::new);
    }

    @Override
    public String[] getMissingCommits() {
        return runtime.missingCommits().stream().map(r -> r.at() + " epoch " + r.epoch() + ": " + r.message())
                .toArray(String[]::new);
    }

    @Override
    public String[] getAccountChecks() {
        return runtime.accountChecks().stream().map(AccountCheck::describe).toArray(String[]::new);
    }

    @Override
    public String[] getUnavailableFeatures() {
        return runtime.accountChecks().stream().filter(c -> !c.available()).map(AccountCheck::describe)
                .toArray(String[]::new);
    }

    @Override
    public String getRefusedReason() {
        String why = runtime.refusedWhy();
        return why == null ? "" : why;
    }

    @Override
    public ServerInfo[] getServers() {
        return runtime.servers().toArray(new ServerInfo[0]);
    }

    @Override
    public void switchTo(String server) {
        runtime.switchTo(server);
    }

    @Override
    public void setMaintenance(String server, boolean maintenance) {
        runtime.setMaintenance(server, maintenance);
    }

    @Override
    public void drain(String server) {
        runtime.drain(server);
    }

    @Override
    public void ready(String server) {
        runtime.ready(server);
    }
}
