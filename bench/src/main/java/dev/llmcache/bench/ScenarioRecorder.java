package dev.llmcache.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Collects one scenario's results from many threads: time to first byte and total latency in
 * HdrHistograms (microseconds, 3 significant digits), outcomes, errors by kind, and completions per
 * second for the throughput-over-time chart.
 */
final class ScenarioRecorder {

    private final Recorder timeToFirstByte = new Recorder(3);
    private final Recorder total = new Recorder(3);
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> perSecond = new ConcurrentHashMap<>();
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastEnd = new AtomicLong();
    private final long origin = System.nanoTime();

    void record(RequestResult result) {
        firstStart.accumulateAndGet(result.latencyStartNanos(), Math::min);
        lastEnd.accumulateAndGet(result.endNanos(), Math::max);
        perSecond.computeIfAbsent((result.endNanos() - origin) / 1_000_000_000L, s -> new LongAdder()).increment();
        if (!result.ok()) {
            errors.computeIfAbsent(result.error(), e -> new LongAdder()).increment();
            return;
        }
        outcomes.computeIfAbsent(result.cache() == null ? "NONE" : result.cache(), o -> new LongAdder()).increment();
        timeToFirstByte.recordValue(Math.max(1, result.timeToFirstByteNanos() / 1_000));
        total.recordValue(Math.max(1, result.totalNanos() / 1_000));
    }

    ScenarioResult result(String name, String description, Map<String, Object> settings) {
        org.HdrHistogram.Histogram ttfb = timeToFirstByte.getIntervalHistogram();
        org.HdrHistogram.Histogram all = total.getIntervalHistogram();
        long requests = all.getTotalCount() + errors.values().stream().mapToLong(LongAdder::sum).sum();
        double seconds = lastEnd.get() > firstStart.get() ? (lastEnd.get() - firstStart.get()) / 1e9 : 0;
        Map<Long, Long> timeline = new TreeMap<>();
        perSecond.forEach((second, count) -> timeline.put(second, count.sum()));
        long firstSecond = timeline.isEmpty() ? 0 : ((TreeMap<Long, Long>) timeline).firstKey();
        Map<Long, Long> rebased = new TreeMap<>();
        timeline.forEach((second, count) -> rebased.put(second - firstSecond, count));
        return new ScenarioResult(name, description, settings, requests, seconds,
                seconds > 0 ? all.getTotalCount() / seconds : 0,
                ScenarioResult.Latency.of(ttfb), ScenarioResult.Latency.of(all),
                counts(outcomes), counts(errors), rebased, new TreeMap<>());
    }

    private static Map<String, Long> counts(Map<String, LongAdder> adders) {
        Map<String, Long> counts = new TreeMap<>();
        adders.forEach((key, adder) -> counts.put(key, adder.sum()));
        return counts;
    }
}
