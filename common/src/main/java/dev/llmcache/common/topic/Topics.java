package dev.llmcache.common.topic;

import java.util.List;

/**
 * The topic catalog. Every name carries one configurable prefix so that several deployments can
 * share a cluster.
 */
public record Topics(String prefix) {

    public Topics {
        prefix = prefix == null ? "" : prefix;
    }

    /**
     * One topic the product creates.
     *
     * @param compacted   log-compacted (keeps the latest record per key) instead of deleted by age
     * @param retentionMs how long records are kept when not compacted; {@code -1} for the broker default
     */
    public record Spec(String name, boolean compacted, long retentionMs) {
    }

    /** Answers only matter while their request waits. */
    private static final long ANSWERS_RETENTION_MS = 3_600_000L;
    /** LLM traffic is transient; a day leaves room to re-deliver after an outage. */
    private static final long LLM_RETENTION_MS = 86_400_000L;

    public String queries() {
        return prefix + "queries";
    }

    public String llmRequests() {
        return prefix + "llm-requests";
    }

    public String llmResponses() {
        return prefix + "llm-responses";
    }

    public String answers() {
        return prefix + "answers";
    }

    /** The durable cache log, compacted: the latest entry per cache key, or its tombstone. */
    public String cacheEntries() {
        return prefix + "cache-entries";
    }

    /** One record per query: its outcome (analytics contract). */
    public String cacheEvents() {
        return prefix + "cache-events";
    }

    /** One record per query: its timings, tokens and cost (analytics contract). */
    public String latencyMetrics() {
        return prefix + "latency-metrics";
    }

    /** Windowed aggregates of the two above, written by cache-service. */
    public String metricsAggregates() {
        return prefix + "metrics-aggregates";
    }

    /** The metric topics; kept a week by default for analytics consumers. */
    public List<Spec> metrics() {
        return List.of(
                new Spec(cacheEvents(), false, -1),
                new Spec(latencyMetrics(), false, -1),
                new Spec(metricsAggregates(), true, -1));
    }

    /** The data-plane topics: all keyed by cache key, so they must share one partition count. */
    public List<Spec> dataPlane() {
        return List.of(
                new Spec(queries(), false, -1),
                new Spec(llmRequests(), false, LLM_RETENTION_MS),
                new Spec(llmResponses(), false, LLM_RETENTION_MS),
                new Spec(cacheEntries(), true, -1));
    }

    /** The reply topic read by ingest instances. */
    public Spec answersSpec() {
        return new Spec(answers(), false, ANSWERS_RETENTION_MS);
    }
}
