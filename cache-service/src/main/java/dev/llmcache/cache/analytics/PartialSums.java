package dev.llmcache.cache.analytics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A combiner: sums its input in memory, per output key and time window, and forwards the partial
 * sums once per {@code interval} of wall-clock time and when the task closes. The shuffle behind
 * it then carries one record per key, window and interval instead of one per event (at 1,000
 * requests/s that is 6 records a second instead of 6,000), and the store behind the shuffle is
 * read and rewritten as rarely.
 *
 * <p>Windows and lateness follow Kafka Streams' own windowed aggregation: an event counts in every
 * window of {@code windows} that contains its timestamp, unless that window closed (its end plus
 * the grace period is at or before the highest timestamp this task has seen). Each partial is
 * forwarded with the newest timestamp it contains, so downstream windowing puts it in the same
 * window. Without windows every event of a key sums into one partial.
 *
 * <p>The partial sums live only in memory. A clean shutdown or rebalance forwards them before
 * offsets are committed ({@link #close()} runs first); a crash can drop at most the last
 * interval from the aggregates, which are derived data (the metric topics keep every event).
 */
final class PartialSums<V, A> implements Processor<String, V, String, A> {

    private record Slot(String key, long windowStart) {
    }

    private static final class Partial<A> {
        private A sum;
        private long newestTimestamp = Long.MIN_VALUE;

        Partial(A sum) {
            this.sum = sum;
        }
    }

    private final Duration interval;
    private final TimeWindows windows;
    private final Function<V, List<String>> keys;
    private final Supplier<A> initializer;
    private final BiFunction<A, V, A> adder;
    private final Map<Slot, Partial<A>> partials = new HashMap<>();
    private ProcessorContext<String, A> context;
    private long streamTime = Long.MIN_VALUE;

    private PartialSums(Duration interval, TimeWindows windows, Function<V, List<String>> keys,
                        Supplier<A> initializer, BiFunction<A, V, A> adder) {
        this.interval = interval;
        this.windows = windows;
        this.keys = keys;
        this.initializer = initializer;
        this.adder = adder;
    }

    /** Sums per key and window of {@code windows}, dropping events of windows already closed. */
    static <V, A> PartialSums<V, A> windowed(Duration interval, TimeWindows windows, Function<V, List<String>> keys,
                                             Supplier<A> initializer, BiFunction<A, V, A> adder) {
        return new PartialSums<>(interval, windows, keys, initializer, adder);
    }

    /** Sums per key over all time. */
    static <V, A> PartialSums<V, A> unwindowed(Duration interval, Function<V, List<String>> keys,
                                               Supplier<A> initializer, BiFunction<A, V, A> adder) {
        return new PartialSums<>(interval, null, keys, initializer, adder);
    }

    @Override
    public void init(ProcessorContext<String, A> context) {
        this.context = context;
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, now -> forwardAll());
    }

    @Override
    public void process(Record<String, V> record) {
        if (record.value() == null) {
            return;
        }
        long timestamp = record.timestamp();
        streamTime = Math.max(streamTime, timestamp);
        for (long windowStart : openWindowsOf(timestamp)) {
            for (String key : keys.apply(record.value())) {
                Partial<A> partial = partials.computeIfAbsent(new Slot(key, windowStart),
                        slot -> new Partial<>(initializer.get()));
                partial.sum = adder.apply(partial.sum, record.value());
                partial.newestTimestamp = Math.max(partial.newestTimestamp, timestamp);
            }
        }
    }

    private List<Long> openWindowsOf(long timestamp) {
        if (windows == null) {
            return List.of(0L);
        }
        List<Long> open = new ArrayList<>(1);
        for (long start : windows.windowsFor(timestamp).keySet()) {
            if (start + windows.size() + windows.gracePeriodMs() > streamTime) {
                open.add(start);
            }
        }
        return open;
    }

    /** Oldest first, so that stream time downstream only moves forwards within one batch. */
    private void forwardAll() {
        List<Map.Entry<Slot, Partial<A>>> batch = new ArrayList<>(partials.entrySet());
        partials.clear();
        batch.sort(Comparator.comparingLong(entry -> entry.getValue().newestTimestamp));
        for (Map.Entry<Slot, Partial<A>> entry : batch) {
            context.forward(new Record<>(entry.getKey().key(), entry.getValue().sum, entry.getValue().newestTimestamp));
        }
    }

    @Override
    public void close() {
        if (context != null) {
            forwardAll();
        }
    }
}
