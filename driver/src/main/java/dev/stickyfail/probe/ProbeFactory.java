package dev.stickyfail.probe;

/**
 * A service ({@code META-INF/services/dev.stickyfail.probe.ProbeFactory}) that contributes a probe usable as
 * {@code stickyfail.check=<name>}.
 */
public interface ProbeFactory {

    /** The value of {@code stickyfail.check} that selects this probe; lower case. */
    String name();

    Probe create(ProbeTarget target);
}
