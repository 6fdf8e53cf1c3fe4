package dev.stickyfail.internal.decider;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.FailbackPolicy;
import dev.stickyfail.event.SwitchReason;

/**
 * What the group should do, given where it is and how its servers look: HAProxy's active/backup choice, made sticky.
 * Pure: the decider asks it after every input and carries out the verdict.
 */
final class SwitchPolicy {

    /** How one server looks to the policy. */
    record View(ServerState state, AdminState admin) {
        boolean eligible() {
            return state.isUp() && admin == AdminState.READY;
        }
    }

    /** The verdict. */
    sealed interface Verdict permits Stay, SwitchTo, Wait {
    }

    /** Keep the decision (its server may be unusable for now: no other is eligible). */
    record Stay() implements Verdict {
    }

    /** Make {@code target} the active server. */
    record SwitchTo(int target, SwitchReason reason, String why) implements Verdict {
    }

    /** No decision can be made yet (no decision so far, and a server ahead in priority order has not answered). */
    record Wait(String why) implements Verdict {
    }

    private static final Stay STAY = new Stay();

    private SwitchPolicy() {
    }

    /** @param current the decided server's index, or -1 before the first decision */
    static Verdict decide(int current, View[] servers, FailbackPolicy failback) {
        if (current < 0) {
            return first(servers);
        }
        View active = servers[current];
        boolean mustLeave = active.admin() == AdminState.MAINT
                || (active.state() != ServerState.UNKNOWN && !active.state().isUp());
        if (mustLeave) {
            int target = firstEligible(servers, current);
            if (target < 0) {
                return STAY;
            }
            return active.admin() == AdminState.MAINT
                    ? new SwitchTo(target, SwitchReason.MAINTENANCE, "the active server is in maintenance")
                    : new SwitchTo(target, SwitchReason.MARKED_DOWN, "the active server is " + active.state());
        }
        if (failback == FailbackPolicy.PRIMARY_UP && active.state().isUp()) {
            int best = firstEligible(servers, -1);
            if (best >= 0 && best < current) {
                return new SwitchTo(best, SwitchReason.FAILBACK, "stickyfail.failback=primary-up: a higher-priority server is up again");
            }
        }
        return STAY;
    }

    /** The first ready server in priority order, once every ready server ahead of it has answered. */
    private static Verdict first(View[] servers) {
        for (int i = 0; i < servers.length; i++) {
            View v = servers[i];
            if (v.admin() != AdminState.READY) {
                continue;
            }
            if (v.state() == ServerState.UNKNOWN) {
                return new Wait("server " + i + " has not answered its probes yet");
            }
            if (v.state().isUp()) {
                return new SwitchTo(i, SwitchReason.INITIAL, "first decision: the first server up");
            }
        }
        return new Wait("no server is up");
    }

    static int firstEligible(View[] servers, int except) {
        for (int i = 0; i < servers.length; i++) {
            if (i != except && servers[i].eligible()) {
                return i;
            }
        }
        return -1;
    }
}
