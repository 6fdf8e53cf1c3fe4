package dev.stickyfail.hazelcast;

import com.hazelcast.cluster.Address;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPMember;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Test helpers over a member's view of the CP Subsystem. */
final class SharedDecisionTestAccess {

    private SharedDecisionTestAccess() {
    }

    /** CP members that are also in the cluster (matched by address: CP members have UUIDs of their own); -1 on error. */
    static int cpMembers(HazelcastInstance hz) {
        try {
            Collection<CPMember> cp = hz.getCPSubsystem().getCPSubsystemManagementService().getCPMembers()
                    .toCompletableFuture().get(3, TimeUnit.SECONDS);
            Set<Address> present = new HashSet<>();
            hz.getCluster().getMembers().forEach(m -> present.add(m.getAddress()));
            Collection<CPMember> group = hz.getCPSubsystem().getCPSubsystemManagementService().getCPGroup("default")
                    .toCompletableFuture().get(3, TimeUnit.SECONDS).members();
            return cp.stream().allMatch(m -> present.contains(m.getAddress())) && group.size() == cp.size()
                    && group.stream().allMatch(m -> present.contains(m.getAddress())) ? cp.size() : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
