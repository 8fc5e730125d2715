package dev.llmcache.common.topic;

import dev.llmcache.common.batch.BatchResult;
import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.StoredFile;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.LatencyMetric;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.serde.JsonSerde;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topic catalog. Every name carries one configurable prefix so that several deployments can
 * share a cluster. Keys are strings everywhere; values are JSON events (see {@code schemas/}).
 */
public record Topics(String prefix) {

    public Topics {
        prefix = prefix == null ? "" : prefix;
    }

    /** Answers only matter while their request waits. */
    private static final long ANSWERS_RETENTION_MS = 3_600_000L;
    /** LLM traffic is transient; a day leaves room to re-deliver after an outage. */
    private static final long LLM_RETENTION_MS = 86_400_000L;
    /**
     * Aggregates are keyed by window start, so compaction alone never removes a key: old windows
     * are deleted after a week as well (the API and dashboard read at most a day back).
     */
    private static final long AGGREGATES_RETENTION_MS = 7 * 86_400_000L;

    /** Longer than a batch's 24 h window, with room for an outage. */
    private static final long BATCH_RESULTS_RETENTION_MS = 7 * 86_400_000L;

    private static final Serde<String> KEYS = Serdes.String();

    public Topic<String, QueryRequest> queries() {
        return dataPlane("queries", QueryRequest.class, Topic.DELETE, -1);
    }

    public Topic<String, LlmRequest> llmRequests() {
        return dataPlane("llm-requests", LlmRequest.class, Topic.DELETE, LLM_RETENTION_MS);
    }

    public Topic<String, LlmResponse> llmResponses() {
        return dataPlane("llm-responses", LlmResponse.class, Topic.DELETE, LLM_RETENTION_MS);
    }

    /** The durable cache log, compacted: the latest entry per cache key, or its tombstone. */
    public Topic<String, CachedAnswer> cacheEntries() {
        return dataPlane("cache-entries", CachedAnswer.class, Topic.COMPACT, -1);
    }

    /**
     * Operators' commands to the cache (delete, invalidate), keyed by cache key or sent to every
     * partition; co-partitioned so that a key's command reaches the task that owns the key.
     */
    public Topic<String, CacheCommand> cacheCommands() {
        return dataPlane("cache-commands", CacheCommand.class, Topic.DELETE, LLM_RETENTION_MS);
    }

    /** The reply topic read by ingest instances; partitioned by reply route, not co-partitioned. */
    public Topic<String, Answer> answers() {
        return own("answers", Answer.class, Topic.DELETE, ANSWERS_RETENTION_MS);
    }

    /** One record per query: its outcome (analytics contract). */
    public Topic<String, CacheEvent> cacheEvents() {
        return own("cache-events", CacheEvent.class, Topic.DELETE, -1);
    }

    /** One record per query: its timings, tokens and cost (analytics contract). */
    public Topic<String, LatencyMetric> latencyMetrics() {
        return own("latency-metrics", LatencyMetric.class, Topic.DELETE, -1);
    }

    /** Windowed aggregates of the two above, written by cache-service; the latest record per key is current. */
    public Topic<String, MetricsAggregate> metricsAggregates() {
        return own("metrics-aggregates", MetricsAggregate.class, Topic.COMPACT_AND_DELETE, AGGREGATES_RETENTION_MS);
    }

    /** Uploaded files (OpenAI Files API), compacted: the latest record per file id, or its tombstone. */
    public Topic<String, StoredFile> files() {
        return own("files", StoredFile.class, Topic.COMPACT, -1);
    }

    /** The bytes of uploaded files, in chunks keyed {@code <file id>/<n>}, compacted (deleted by tombstones). */
    public Topic<String, byte[]> fileContents() {
        return new Topic<>(prefix + "file-contents", KEYS, Serdes.ByteArray(), false, Topic.COMPACT, -1);
    }

    /** Batches (OpenAI Batch API), compacted: the latest record per batch id is its state. */
    public Topic<String, BatchState> batches() {
        return own("batches", BatchState.class, Topic.COMPACT, -1);
    }

    /**
     * One record per finished line of a batch, keyed {@code <batch id>/<line>}. Compacted, and
     * deleted after a week too: a batch ends within its 24 h window, and its results are removed
     * once written out, but a runner that died in between would otherwise leave them forever.
     */
    public Topic<String, BatchResult> batchResults() {
        return own("batch-results", BatchResult.class, Topic.COMPACT_AND_DELETE, BATCH_RESULTS_RETENTION_MS);
    }

    /** The topics of the OpenAI Files and Batch APIs. */
    public List<Topic<String, ?>> batchApi() {
        return List.of(files(), fileContents(), batches(), batchResults());
    }

    /** The data-plane topics: all keyed by cache key, so they must share one partition count (five). */
    public List<Topic<String, ?>> dataPlane() {
        return List.of(queries(), llmRequests(), llmResponses(), cacheEntries(), cacheCommands());
    }

    /** The metric topics, for analytics consumers. */
    public List<Topic<String, ?>> metrics() {
        return List.of(cacheEvents(), latencyMetrics(), metricsAggregates());
    }

    /** Every topic of the product. */
    public List<Topic<String, ?>> all() {
        List<Topic<String, ?>> all = new ArrayList<>(dataPlane());
        all.add(answers());
        all.addAll(metrics());
        all.addAll(batchApi());
        return all;
    }

    private <V> Topic<String, V> dataPlane(String name, Class<V> type, String cleanup, long retentionMs) {
        return new Topic<>(prefix + name, KEYS, JsonSerde.of(type), true, cleanup, retentionMs);
    }

    private <V> Topic<String, V> own(String name, Class<V> type, String cleanup, long retentionMs) {
        return new Topic<>(prefix + name, KEYS, JsonSerde.of(type), false, cleanup, retentionMs);
    }
}
