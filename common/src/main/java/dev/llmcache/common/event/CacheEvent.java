package dev.llmcache.common.event;

/**
 * Exactly one per query, on the {@code cache-events} topic (keyed by cache key): how the pipeline
 * answered it. Published by ingest when the request ends. Schema: {@code schemas/cache-event.schema.json}.
 *
 * @param timestamp epoch millis when the request ended
 * @param tier      where the answer came from: {@code MEMORY} (an ingest instance's memory, without
 *                  a Kafka round trip), {@code STATE_STORE} (the processor's cache),
 *                  {@code LLM} (an LLM call, own or shared), {@code NONE} (no answer)
 * @param errorCode the error's code for {@code ERROR}, or when the client left early
 * @param origin    {@link #LIVE} for client traffic, {@link #REPLAY} for a replay, {@link #BATCH} for a Batch API line (the request's
 *                  {@code X-Llmcache-Origin} header); null in records written before it existed
 * @param similarity on {@code SEMANTIC_HIT}: the cosine similarity of the query's question and the matched one
 * @param matchedKey on {@code SEMANTIC_HIT}: the cache key of the entry that answered
 */
public record CacheEvent(
        int schemaVersion,
        String requestId,
        long timestamp,
        String tenant,
        String namespace,
        String model,
        String cacheKey,
        Outcome outcome,
        String tier,
        String errorCode,
        Integer errorStatus,
        String origin,
        Double similarity,
        String matchedKey) {

    public static final int SCHEMA_VERSION = 1;

    public CacheEvent(int schemaVersion, String requestId, long timestamp, String tenant, String namespace,
                      String model, String cacheKey, Outcome outcome, String tier, String errorCode,
                      Integer errorStatus, String origin) {
        this(schemaVersion, requestId, timestamp, tenant, namespace, model, cacheKey, outcome, tier, errorCode,
                errorStatus, origin, null, null);
    }

    /** Origins of a query: client traffic, or a batch replay (dashboards tell them apart). */
    public static final String LIVE = "live";
    public static final String REPLAY = "replay";
    /** A line of a batch of the OpenAI Batch API, run by the product itself. */
    public static final String BATCH = "batch";

    /** The analytics outcome: the cache outcome, or ERROR when the query got no answer. */
    public enum Outcome { HIT, MISS, COALESCED, BYPASS, ERROR, SEMANTIC_HIT }
}
