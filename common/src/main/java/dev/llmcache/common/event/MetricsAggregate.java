package dev.llmcache.common.event;

import java.util.Map;

/**
 * One tumbling window of one dimension on the {@code metrics-aggregates} topic, keyed
 * {@code <dimension>:<value>@<windowStart>}. Records are updated as events arrive; the latest per
 * key is the current value. Schema: {@code schemas/metrics-aggregate.schema.json}.
 *
 * @param dimension {@code all} (every query), {@code model} or {@code tenant}
 * @param value     the model or tenant name ({@code *} for {@code all})
 * @param speedup   median miss latency over median hit latency; null without both
 */
public record MetricsAggregate(
        int schemaVersion,
        long windowStart,
        long windowEnd,
        String dimension,
        String value,
        long requests,
        Map<String, Long> outcomes,
        double hitRate,
        Percentiles latencyMillis,
        Percentiles hitLatencyMillis,
        Percentiles missLatencyMillis,
        Percentiles timeToFirstTokenMillis,
        long tokensIn,
        long tokensOut,
        long tokensSaved,
        double costUsd,
        double costSavedUsd,
        long timeSavedMillis,
        Double speedup) {

    public static final int SCHEMA_VERSION = 1;

    /** A latency distribution in milliseconds, from a mergeable histogram (never averages of averages). */
    public record Percentiles(long count, double p50, double p95, double p99, double max) {
    }

    public String key() {
        return dimension + ":" + value + "@" + windowStart;
    }
}
