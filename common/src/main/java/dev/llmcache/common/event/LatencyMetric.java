package dev.llmcache.common.event;

/**
 * Exactly one per query, on the {@code latency-metrics} topic (keyed by model): what the query cost
 * in time and money, and for answers that avoided an LLM call, what that saved.
 * Schema: {@code schemas/latency-metric.schema.json}.
 *
 * @param queueMillis           ingest accepting the query to the processor deciding it
 * @param timeToFirstTokenMillis as the client saw it (request received to first content sent)
 * @param llmMillis             the LLM call's duration (misses, bypasses and joiners of a call)
 * @param endToEndMillis        request received to response complete, as the client saw it
 * @param costUsd               what the LLM call behind this answer cost, from the price table
 * @param savedMillis           hits: what the original LLM call took
 * @param savedCostUsd          hits and joiners: the LLM cost this query did not incur
 * @param savedTokens           hits and joiners: the tokens not generated again
 * @param origin                {@link CacheEvent#LIVE} or {@link CacheEvent#REPLAY}, as on the cache event
 */
public record LatencyMetric(
        int schemaVersion,
        String requestId,
        long timestamp,
        String tenant,
        String model,
        CacheEvent.Outcome outcome,
        Long queueMillis,
        Long timeToFirstTokenMillis,
        Long llmMillis,
        long endToEndMillis,
        int tokensIn,
        int tokensOut,
        double costUsd,
        long savedMillis,
        double savedCostUsd,
        int savedTokens,
        String origin) {

    public static final int SCHEMA_VERSION = 1;
}
