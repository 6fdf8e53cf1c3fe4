package dev.stickyfail.testkit.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The events of one run, in the order they were added, with times relative to the run's start. Thread-safe: a
 * driver's listener may add events from its own threads. Each event is passed to the run's listener as it is added
 * (on the adding thread).
 */
public final class Timeline {

    private final List<TimelineEvent> events = new ArrayList<>();
    private final Topology topology;
    private volatile long originNanos = System.nanoTime();
    private volatile Consumer<TimelineEvent> sink = e -> { };

    Timeline(Topology topology) {
        this.topology = topology;
    }

    void startAt(long nanoTime) {
        originNanos = nanoTime;
    }

    void sendTo(Consumer<TimelineEvent> sink) {
        this.sink = sink;
    }

    /** {@code System.nanoTime()} of the run's start. */
    public long originNanos() {
        return originNanos;
    }

    /** Now, relative to the run's start. */
    public long now() {
        return System.nanoTime() - originNanos;
    }

    /** Adds an event at the current time; server addresses in {@code text} are replaced by their labels. */
    public TimelineEvent add(TimelineEvent.Kind kind, String text) {
        return addAt(now(), kind, text);
    }

    TimelineEvent addAt(long atNanos, TimelineEvent.Kind kind, String text) {
        TimelineEvent event = new TimelineEvent(atNanos, kind, topology.relabel(text));
        synchronized (events) {
            events.add(event);
        }
        sink.accept(event);
        return event;
    }

    public List<TimelineEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }
}
