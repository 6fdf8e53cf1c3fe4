package dev.stickyfail.internal.health;

import dev.stickyfail.admin.ServerState;
import dev.stickyfail.probe.ProbeOutcome;

/**
 * HAProxy's health state machine for one server, one small immutable state per {@link ServerState}. {@code rise}
 * passes in a row mark a down server up, {@code fall} failures in a row mark an up server down, a refused connection
 * marks it down at once, and a server-side error (the server answered) changes nothing.
 */
public sealed interface Health permits Health.Unknown, Health.Up, Health.GoingDown, Health.Down, Health.GoingUp {

    ServerState state();

    /** The state after one more probe result. */
    Health next(ProbeOutcome outcome, int rise, int fall);

    static Health initial() {
        return new Unknown(0);
    }

    /**
     * Before the first answer: one pass is enough to be chosen, {@code fall} failures mark it down. Here an error the
     * server answered with counts as a failure, as HAProxy's {@code mysql-check} counts an error packet: a primary
     * that refuses the probe's login (or is blocked, or full) must not hold up the group's first decision forever.
     */
    record Unknown(int failures) implements Health {
        @Override
        public ServerState state() {
            return ServerState.UNKNOWN;
        }

        @Override
        public Health next(ProbeOutcome outcome, int rise, int fall) {
            switch (outcome) {
                case PASS:
                    return Up.INSTANCE;
                case REFUSED:
                    return Down.INSTANCE;
                case FAIL:
                case SERVER_ERROR:
                    return failures + 1 >= fall ? Down.INSTANCE : new Unknown(failures + 1);
                default:
                    return this;
            }
        }
    }

    record Up() implements Health {
        static final Up INSTANCE = new Up();

        @Override
        public ServerState state() {
            return ServerState.UP;
        }

        @Override
        public Health next(ProbeOutcome outcome, int rise, int fall) {
            switch (outcome) {
                case REFUSED:
                    return Down.INSTANCE;
                case FAIL:
                    return fall <= 1 ? Down.INSTANCE : new GoingDown(1);
                default:
                    return this;
            }
        }
    }

    /** Up, with {@code failures} failed probes in a row. */
    record GoingDown(int failures) implements Health {
        @Override
        public ServerState state() {
            return ServerState.GOING_DOWN;
        }

        @Override
        public Health next(ProbeOutcome outcome, int rise, int fall) {
            switch (outcome) {
                case PASS:
                    return Up.INSTANCE;
                case REFUSED:
                    return Down.INSTANCE;
                case FAIL:
                    return failures + 1 >= fall ? Down.INSTANCE : new GoingDown(failures + 1);
                default:
                    return this;
            }
        }
    }

    record Down() implements Health {
        static final Down INSTANCE = new Down();

        @Override
        public ServerState state() {
            return ServerState.DOWN;
        }

        @Override
        public Health next(ProbeOutcome outcome, int rise, int fall) {
            if (outcome == ProbeOutcome.PASS) {
                return rise <= 1 ? Up.INSTANCE : new GoingUp(1);
            }
            return this;
        }
    }

    /** Down, with {@code passes} passed probes in a row. */
    record GoingUp(int passes) implements Health {
        @Override
        public ServerState state() {
            return ServerState.GOING_UP;
        }

        @Override
        public Health next(ProbeOutcome outcome, int rise, int fall) {
            switch (outcome) {
                case PASS:
                    return passes + 1 >= rise ? Up.INSTANCE : new GoingUp(passes + 1);
                case FAIL:
                case REFUSED:
                    return Down.INSTANCE;
                default:
                    return this;
            }
        }
    }
}
