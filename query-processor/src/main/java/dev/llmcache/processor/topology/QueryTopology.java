package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The data-plane topology: dedupes queries against the cache, coalesces identical in-flight
 * queries, sends misses to the LLM worker and fans the worker's answers out to every waiter.
 *
 * <pre>
 *  queries ──► query-processor ──► answers (hit, joiner's replay)
 *                    │        └──► llm-requests (miss)
 *  llm-responses ──► response-processor ──► answers (tokens, done, error)
 *                                     ├──► llm-requests (a semantic match not every waiter accepts)
 *                                     └──► cache-entries (complete answers, expiry tombstones)
 *  cache-commands ──► cache-command-processor ──► cache-entries (tombstones of deleted entries)
 * </pre>
 *
 * The processors share the {@code cache}, {@code inflight} and {@code cache-invalidations} stores. All inputs are keyed by
 * cache key and co-partitioned, so everything about one key happens in one task, in order.
 */
public final class QueryTopology {

    /** The answer cache store, for interactive queries (e.g. its size). */
    public static final String CACHE_STORE = StoreNames.CACHE;

    static final String QUERIES_SOURCE = "queries-source";
    static final String RESPONSES_SOURCE = "llm-responses-source";
    static final String COMMANDS_SOURCE = "cache-commands-source";
    static final String COMMAND_PROCESSOR = "cache-command-processor";
    static final String QUERY_PROCESSOR = "query-processor";
    static final String RESPONSE_PROCESSOR = "response-processor";
    static final String ANSWERS_SINK = "answers-sink";
    static final String LLM_REQUESTS_SINK = "llm-requests-sink";
    static final String CACHE_ENTRIES_SINK = "cache-entries-sink";

    private QueryTopology() {
    }

    public static Topology build(Topics topics, TopologySettings settings) {
        return addTo(new Topology(), topics, settings);
    }

    /** Adds the topology's nodes to {@code topology} (spring-kafka hands the application one to fill). */
    public static Topology addTo(Topology topology, Topics topics, TopologySettings settings) {
        Serde<String> keys = Serdes.String();
        Topic<String, QueryRequest> queries = topics.queries();
        Topic<String, LlmResponse> responses = topics.llmResponses();
        Topic<String, LlmRequest> llmRequests = topics.llmRequests();
        Topic<String, CachedAnswer> cacheEntries = topics.cacheEntries();
        Topic<String, CacheCommand> commands = topics.cacheCommands();

        topology.addSource(QUERIES_SOURCE, queries.keySerde().deserializer(), queries.valueSerde().deserializer(),
                queries.name());
        topology.addSource(RESPONSES_SOURCE, responses.keySerde().deserializer(), responses.valueSerde().deserializer(),
                responses.name());

        topology.addSource(COMMANDS_SOURCE, commands.keySerde().deserializer(), commands.valueSerde().deserializer(),
                commands.name());

        topology.addProcessor(QUERY_PROCESSOR, () -> new QueryProcessor(settings), QUERIES_SOURCE);
        topology.addProcessor(RESPONSE_PROCESSOR, () -> new ResponseProcessor(settings), RESPONSES_SOURCE);
        topology.addProcessor(COMMAND_PROCESSOR, () -> new CacheCommandProcessor(settings), COMMANDS_SOURCE);

        String[] all = {QUERY_PROCESSOR, RESPONSE_PROCESSOR, COMMAND_PROCESSOR};
        String[] both = {QUERY_PROCESSOR, RESPONSE_PROCESSOR};
        topology.addStateStore(store(StoreNames.CACHE, JsonSerde.of(CachedAnswer.class)), all);
        topology.addStateStore(store(StoreNames.CACHE_EXPIRY, Serdes.String()), all);
        topology.addStateStore(store(StoreNames.INVALIDATIONS, JsonSerde.of(Invalidations.Sweep.class)), all);
        // A running call's entry is rewritten with every chunk (its text grows): the record cache
        // folds those writes into one RocksDB write and one changelog record per commit interval.
        topology.addStateStore(store(StoreNames.INFLIGHT, JsonSerde.of(InflightEntry.class)).withCachingEnabled(), all);
        topology.addStateStore(store(StoreNames.INFLIGHT_WAITERS, JsonSerde.of(Waiter.class)).withCachingEnabled(), all);
        topology.addStateStore(store(StoreNames.INFLIGHT_DEADLINES, Serdes.String()).withCachingEnabled(), all);
        // Cached like the in-flight entry it belongs to: both reach their changelogs at commits (or
        // when the cache evicts), so a crash seldom restores one without the other; when it does,
        // the response processor refuses the match rather than answer without the waiters' terms.
        topology.addStateStore(store(StoreNames.INFLIGHT_SEMANTIC, JsonSerde.of(SemanticCall.class)).withCachingEnabled(),
                all);

        // Each answer goes to the reply topic and partition of the ingest instance holding its request.
        TopicNameExtractor<String, RoutedAnswer> replyTopic = (key, routed, context) -> routed.route().topic();
        topology.addSink(ANSWERS_SINK, replyTopic, keys.serializer(), answerSerializer(topics.answers()),
                replyPartitioner(), both);
        // The response processor calls the LLM after all when a semantic match cannot answer every waiter.
        topology.addSink(LLM_REQUESTS_SINK, llmRequests.name(), llmRequests.keySerde().serializer(),
                llmRequests.valueSerde().serializer(), both);
        topology.addSink(CACHE_ENTRIES_SINK, cacheEntries.name(), cacheEntries.keySerde().serializer(),
                cacheEntries.valueSerde().serializer(), all);
        return topology;
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(name), Serdes.String(), values);
    }

    private static Serializer<RoutedAnswer> answerSerializer(Topic<String, Answer> answers) {
        Serializer<Answer> values = answers.valueSerde().serializer();
        return (topic, routed) -> values.serialize(topic, routed.answer());
    }

    /** The route's partition, or the cache key's ({@link ReplyRoute#partitionFor}). */
    private static StreamPartitioner<String, RoutedAnswer> replyPartitioner() {
        return (topic, key, routed, numPartitions) ->
                Optional.of(Set.of(routed.route().partitionFor(routed.answer().cacheKey(), numPartitions)));
    }
}
