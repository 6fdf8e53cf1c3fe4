package dev.stickyfail.samples.demo;

import dev.stickyfail.testkit.workload.ScenarioListener;
import dev.stickyfail.testkit.workload.Tick;
import dev.stickyfail.testkit.workload.TimelineEvent;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Tells the run as it happens: a progress line a second (writes per second on each server, failures, held
 * operations, the active server and epoch) and a line for each event of the timeline.
 */
final class Narrator implements ScenarioListener {

    private final PrintStream out;
    private final List<String> labels;
    private final Supplier<String> status;

    Narrator(PrintStream out, List<String> labels, Supplier<String> status) {
        this.out = out;
        this.labels = labels;
        this.status = status;
    }

    synchronized void header() {
        StringBuilder sb = new StringBuilder("     time");
        for (String label : labels) {
            sb.append(String.format(Locale.ROOT, "  %8s", label + " w/s"));
        }
        sb.append("  failed  held  active server");
        out.println(sb);
    }

    @Override
    public synchronized void onTick(Tick tick) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %6.1fs", tick.atNanos() / 1e9));
        for (int i = 0; i < labels.size(); i++) {
            sb.append(String.format(Locale.ROOT, "  %8.0f", tick.ratePerSecond(i)));
        }
        sb.append(String.format(Locale.ROOT, "  %6d  %4d  %s", tick.failed(), tick.held(), status.get()));
        out.println(sb);
    }

    @Override
    public synchronized void onEvent(TimelineEvent event) {
        if (event.kind() == TimelineEvent.Kind.START) {
            return;
        }
        out.println(String.format(Locale.ROOT, "  %6.2fs  >> %s", event.atSeconds(), event.text()));
    }

    synchronized void line(String text) {
        out.println(text);
    }
}
