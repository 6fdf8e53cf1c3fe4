package dev.stickyfail.probe;

import java.util.Objects;

/** The result of one probe: its outcome and, for anything but a pass, a short human-readable reason. */
public record ProbeResult(ProbeOutcome outcome, String detail) {

    private static final ProbeResult PASS = new ProbeResult(ProbeOutcome.PASS, "ok");

    public ProbeResult {
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? outcome.name().toLowerCase(java.util.Locale.ROOT) : detail;
    }

    public static ProbeResult pass() {
        return PASS;
    }

    public static ProbeResult pass(String detail) {
        return new ProbeResult(ProbeOutcome.PASS, detail);
    }

    public static ProbeResult fail(String detail) {
        return new ProbeResult(ProbeOutcome.FAIL, detail);
    }

    public static ProbeResult refused(String detail) {
        return new ProbeResult(ProbeOutcome.REFUSED, detail);
    }

    public static ProbeResult serverError(String detail) {
        return new ProbeResult(ProbeOutcome.SERVER_ERROR, detail);
    }
}
