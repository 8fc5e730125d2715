package dev.llmcache.cache.analytics;

import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.LatencyMetric;
import dev.llmcache.common.event.MetricsAggregate;
import java.util.Map;
import java.util.TreeMap;

/**
 * The running aggregate of one window and dimension. Counts come from cache events; timings,
 * tokens and money from latency metrics. Stored (and changelogged) as its {@link State}.
 */
final class WindowStats {

    /** The stored form: plain numbers and encoded histograms. */
    record State(long requests, Map<String, Long> outcomes, String latency, String hitLatency, String missLatency,
                 String timeToFirstToken, long tokensIn, long tokensOut, long tokensSaved, double costUsd,
                 double costSavedUsd, long timeSavedMillis) {
    }

    private long requests;
    private final Map<String, Long> outcomes;
    private final LatencyHistogram latency;
    private final LatencyHistogram hitLatency;
    private final LatencyHistogram missLatency;
    private final LatencyHistogram timeToFirstToken;
    private long tokensIn;
    private long tokensOut;
    private long tokensSaved;
    private double costUsd;
    private double costSavedUsd;
    private long timeSavedMillis;

    WindowStats() {
        this(new State(0, Map.of(), null, null, null, null, 0, 0, 0, 0, 0, 0));
    }

    WindowStats(State state) {
        this.requests = state.requests();
        this.outcomes = new TreeMap<>(state.outcomes() == null ? Map.of() : state.outcomes());
        this.latency = LatencyHistogram.decode(state.latency());
        this.hitLatency = LatencyHistogram.decode(state.hitLatency());
        this.missLatency = LatencyHistogram.decode(state.missLatency());
        this.timeToFirstToken = LatencyHistogram.decode(state.timeToFirstToken());
        this.tokensIn = state.tokensIn();
        this.tokensOut = state.tokensOut();
        this.tokensSaved = state.tokensSaved();
        this.costUsd = state.costUsd();
        this.costSavedUsd = state.costSavedUsd();
        this.timeSavedMillis = state.timeSavedMillis();
    }

    WindowStats add(Observation observation) {
        if (observation.event() != null) {
            CacheEvent event = observation.event();
            requests++;
            outcomes.merge(event.outcome().name(), 1L, Long::sum);
        } else {
            LatencyMetric metric = observation.latency();
            latency.record(metric.endToEndMillis());
            switch (metric.outcome()) {
                case HIT, SEMANTIC_HIT -> hitLatency.record(metric.endToEndMillis());
                case MISS -> missLatency.record(metric.endToEndMillis());
                default -> { }
            }
            if (metric.timeToFirstTokenMillis() != null) {
                timeToFirstToken.record(metric.timeToFirstTokenMillis());
            }
            tokensIn += metric.tokensIn();
            tokensOut += metric.tokensOut();
            tokensSaved += metric.savedTokens();
            costUsd += metric.costUsd();
            costSavedUsd += metric.savedCostUsd();
            timeSavedMillis += metric.savedMillis();
        }
        return this;
    }

    /** Adds another partial aggregate of the same window and dimension. */
    WindowStats merge(WindowStats other) {
        requests += other.requests;
        other.outcomes.forEach((outcome, count) -> outcomes.merge(outcome, count, Long::sum));
        latency.add(other.latency);
        hitLatency.add(other.hitLatency);
        missLatency.add(other.missLatency);
        timeToFirstToken.add(other.timeToFirstToken);
        tokensIn += other.tokensIn;
        tokensOut += other.tokensOut;
        tokensSaved += other.tokensSaved;
        costUsd += other.costUsd;
        costSavedUsd += other.costSavedUsd;
        timeSavedMillis += other.timeSavedMillis;
        return this;
    }

    State state() {
        return new State(requests, Map.copyOf(outcomes), latency.encode(), hitLatency.encode(), missLatency.encode(),
                timeToFirstToken.encode(), tokensIn, tokensOut, tokensSaved, costUsd, costSavedUsd, timeSavedMillis);
    }

    MetricsAggregate toAggregate(String dimension, String value, long windowStart, long windowEnd) {
        long hits = outcomes.getOrDefault("HIT", 0L) + outcomes.getOrDefault("SEMANTIC_HIT", 0L);
        Double speedup = hitLatency.count() > 0 && missLatency.count() > 0 && hitLatency.median() > 0
                ? missLatency.median() / hitLatency.median() : null;
        return new MetricsAggregate(MetricsAggregate.SCHEMA_VERSION, windowStart, windowEnd, dimension, value,
                requests, Map.copyOf(outcomes), requests == 0 ? 0 : (double) hits / requests,
                latency.percentiles(), hitLatency.percentiles(), missLatency.percentiles(),
                timeToFirstToken.percentiles(), tokensIn, tokensOut, tokensSaved, costUsd, costSavedUsd,
                timeSavedMillis, speedup);
    }
}
