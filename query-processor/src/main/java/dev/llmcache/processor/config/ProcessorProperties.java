package dev.llmcache.processor.config;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The query-processor topology and its LLM worker.
 *
 * @param applicationId   Kafka Streams application id (also the consumer group and changelog prefix)
 * @param stateDir        where RocksDB keeps the stores
 * @param streamThreads   Kafka Streams threads of this instance
 * @param cacheTtl        lifetime of a cache entry unless a request sets one
 * @param inflightTimeout how long waiters wait for an LLM answer before they get an error; keep it
 *                        above the LLM's total timeout so that the worker's own error arrives first
 * @param rocksdbMemory   off-heap memory shared by all RocksDB stores (block cache and write buffers)
 * @param maxEntries      cache entries kept across all partitions; beyond it the entries closest
 *                        to expiry are evicted
 * @param attemptTakeover how long a call's stream may stall before another attempt of the call (re-run
 *                        after the worker that ran it died) takes it over; above the worker's session
 *                        timeout (10 s), so that a re-run only appears once the first worker is gone
 * @param semantic        the semantic cache's index and lookup
 * @param streams         further Kafka Streams settings (its own names), applied last
 */
@ConfigurationProperties("llmcache.processor")
public record ProcessorProperties(
        @DefaultValue("llmcache-processor") String applicationId,
        @DefaultValue("./data/streams") String stateDir,
        @DefaultValue("1") int streamThreads,
        @DefaultValue("1h") Duration cacheTtl,
        @DefaultValue("330s") Duration inflightTimeout,
        @DefaultValue("1s") Duration sweepInterval,
        @DefaultValue("64MB") DataSize rocksdbMemory,
        @DefaultValue("1000000") long maxEntries,
        @DefaultValue("15s") Duration attemptTakeover,
        @DefaultValue Worker worker,
        @DefaultValue Embeddings embeddings,
        @DefaultValue Semantic semantic,
        Map<String, String> streams) {

    public ProcessorProperties {
        streams = streams == null ? Map.of() : Map.copyOf(streams);
    }

    /**
     * @param enabled       run the LLM worker in this instance
     * @param groupId       consumer group of the workers
     * @param maxInflight   LLM calls at once per instance
     * @param chunkInterval tokens after the first are batched into one record per interval
     * @param maxAnswerSize  largest answer passed on and cached (as JSON text); beyond it the answer
     *                       ends with finish reason {@code length}. Each answer travels whole in one
     *                       Kafka record, so keep it well under the topics' {@code max.message.bytes} (1 MB)
     */
    public record Worker(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("llmcache-llm-worker") String groupId,
            @DefaultValue("256") int maxInflight,
            @DefaultValue("25ms") Duration chunkInterval,
            @DefaultValue("256KB") DataSize maxAnswerSize) {

        public Worker {
            if (maxAnswerSize.toBytes() > 768 * 1024) {
                throw new IllegalArgumentException("llmcache.processor.worker.max-answer-size must be at most 768KB: "
                        + "an answer travels whole in one Kafka record of at most 1 MB");
            }
        }
    }

    /**
     * How the worker creates embeddings.
     *
     * @param batchWindow    inputs arriving within this time of the first go upstream in one call
     *                       (the items of one embeddings request reach the worker one by one)
     * @param maxBatchInputs the most inputs in one upstream call
     * @param memoEntries    texts whose vectors the in-process embedder keeps
     * @param warmUp         load the in-process model at start rather than on the first request
     * @param intraOpThreads threads the in-process model may use for one text (1: one core, as it
     *                       should be on a small machine; more cut its latency where cores are spare)
     */
    public record Embeddings(
            @DefaultValue("20ms") Duration batchWindow,
            @DefaultValue("256") int maxBatchInputs,
            @DefaultValue("4096") long memoEntries,
            @DefaultValue("false") boolean warmUp,
            @DefaultValue("1") int intraOpThreads) {

        /** The defaults above, for code that builds a router without Spring. */
        public static final Embeddings DEFAULTS = new Embeddings(Duration.ofMillis(20), 256, 4_096, false, 1);
    }

    /**
     * The semantic cache's matching, in the LLM worker (ingest decides which queries ask for it).
     *
     * @param enabled        keep the semantic index and look eligible misses up in it
     * @param embeddingModel the model (of the catalog) that embeds questions; changing it starts an
     *                       empty index in effect, since vectors of different models never compare
     * @param lookupTimeout  longest the lookup (embedding and search) may hold up a miss; then the LLM is called
     * @param maxEntries     entries the index keeps; beyond it (or {@code maxSize}) the oldest leave
     * @param maxSize        heap the index may take (estimated: vectors, questions and answers)
     * @param maxEntriesPerScope entries one scope keeps (its oldest leave first), so that one tenant's
     *                       flood of new questions cannot push the others out
     */
    public record Semantic(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("all-minilm-l6-v2") String embeddingModel,
            @DefaultValue("250ms") Duration lookupTimeout,
            @DefaultValue("20000") long maxEntries,
            @DefaultValue("128MB") DataSize maxSize,
            @DefaultValue("10000") int maxEntriesPerScope) {
    }
}
