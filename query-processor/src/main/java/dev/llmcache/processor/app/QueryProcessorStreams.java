package dev.llmcache.processor.app;

import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.streams.SupervisedStreams;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.processor.config.BoundedMemoryRocksDbConfig;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.topology.QueryTopology;
import dev.llmcache.processor.topology.TopologySettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/** The {@link QueryTopology} as it runs in this JVM: its Streams configuration, health and cache gauges. */
public final class QueryProcessorStreams extends SupervisedStreams {

    public QueryProcessorStreams(StreamsBuilderFactoryBean factory, ProcessorProperties properties,
                                 MeterRegistry meters) {
        super(factory, meters);
        Gauge.builder("llmcache.cache.entries", this, QueryProcessorStreams::cacheEntries)
                .description("Entries in this instance's cache stores (RocksDB estimate)").register(meters);
        Gauge.builder("llmcache.cache.bytes", this, QueryProcessorStreams::cacheBytes).baseUnit("bytes")
                .description("Bytes of this instance's cache stores on disk and in memtables").register(meters);
        Gauge.builder("llmcache.cache.capacity.entries", properties, ProcessorProperties::maxEntries)
                .description("Configured cache capacity across all partitions").register(meters);
    }

    static TopologySettings topologySettings(KafkaSettings kafka, ProcessorProperties properties) {
        return new TopologySettings(properties.cacheTtl(), properties.inflightTimeout(), properties.sweepInterval(),
                1000, Math.max(1, properties.maxEntries() / kafka.partitions()), properties.attemptTakeover());
    }

    /**
     * The product's defaults under {@code spring.kafka.streams.*}; {@code llmcache.processor.streams.*}
     * over both. The settings that matter for latency are commented.
     */
    static Map<String, Object> streamsConfig(KafkaClients clients, KafkaSettings kafka, ProcessorProperties p) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, p.streamThreads());
        kafka.replication().ifPresent(rf -> defaults.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) rf));
        // Streams raises the producer's linger to 100 ms for throughput; answers are latency-critical.
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        // Queries and LLM responses need no relative order, so never hold one back while the
        // task checks whether the other partition has data (that costs a broker round trip per record).
        defaults.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        // An instance that dies without leaving the group (a crash, SIGKILL, a lost host) holds its
        // tasks until its session times out: 10 s instead of Kafka's 45 s, so a crash costs seconds.
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 3_000);
        // A warm copy of every task's stores on another instance (where there is one): after a
        // crash its partitions move there at once instead of waiting for a restore from the changelog.
        defaults.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
        // At-least-once: commits only bound how much is re-processed after a crash, not answer latency.
        defaults.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        defaults.putAll(SupervisedStreams.errorHandling());
        defaults.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class);
        defaults.put(BoundedMemoryRocksDbConfig.TOTAL_MEMORY_CONFIG, Long.toString(p.rocksdbMemory().toBytes()));
        return clients.streamsConfig(defaults, p.streams(), Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, p.applicationId(),
                StreamsConfig.STATE_DIR_CONFIG, p.stateDir()));
    }

    private double cacheEntries() {
        ReadOnlyKeyValueStore<String, Object> cache =
                store(QueryTopology.CACHE_STORE, QueryableStoreTypes.keyValueStore());
        return cache == null ? Double.NaN : cache.approximateNumEntries();
    }

    /** From the RocksDB property metrics Kafka Streams records for the cache store. */
    private double cacheBytes() {
        KafkaStreams current = streams();
        if (current == null) {
            return Double.NaN;
        }
        return current.metrics().values().stream()
                .filter(m -> QueryTopology.CACHE_STORE.equals(m.metricName().tags().get("rocksdb-state-id")))
                .filter(m -> m.metricName().name().equals("total-sst-files-size")
                        || m.metricName().name().equals("size-all-mem-tables"))
                .mapToDouble(m -> m.metricValue() instanceof Number n ? n.doubleValue() : 0)
                .sum();
    }
}
