package dev.llmcache.processor.app;

import dev.llmcache.common.streams.ManagedStreams;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import dev.llmcache.processor.config.BoundedMemoryRocksDbConfig;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.topology.QueryTopology;
import dev.llmcache.processor.topology.TopologySettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Runs the {@link QueryTopology} in this JVM, with gauges of its cache. */
public final class QueryProcessorStreams extends ManagedStreams {

    private final KafkaSettings kafka;
    private final ProcessorProperties properties;
    private final MeterRegistry meters;

    public QueryProcessorStreams(KafkaSettings kafka, ProcessorProperties properties, MeterRegistry meters) {
        super(() -> QueryTopology.build(kafka.topics(), topologySettings(kafka, properties)),
                () -> streamsConfig(kafka, properties), meters);
        this.kafka = kafka;
        this.properties = properties;
        this.meters = meters;
    }

    static TopologySettings topologySettings(KafkaSettings kafka, ProcessorProperties properties) {
        return new TopologySettings(properties.cacheTtl(), properties.inflightTimeout(), properties.sweepInterval(),
                1000, Math.max(1, properties.maxEntries() / kafka.partitions()));
    }

    static Properties streamsConfig(KafkaSettings kafka, ProcessorProperties p) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, p.applicationId());
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.STATE_DIR_CONFIG, p.stateDir());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, p.streamThreads());
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
        // Streams raises the producer's linger to 100 ms for throughput; answers are latency-critical.
        config.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        // Queries and LLM responses need no relative order, so never hold one back while the
        // task checks whether the other partition has data (that costs a broker round trip per record).
        config.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        // At-least-once: commits only bound how much is re-processed after a crash, not answer latency.
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        // A poison record is logged and skipped instead of stopping every key on the partition.
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        config.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class);
        config.put(BoundedMemoryRocksDbConfig.TOTAL_MEMORY_CONFIG, Long.toString(p.rocksdbMemory().toBytes()));
        config.putAll(p.streams());
        return config;
    }

    @Override
    protected void beforeStart() {
        TopicProvisioner.ensure(kafka, kafka.topics().dataPlane(), kafka.partitions());
        Gauge.builder("llmcache.cache.entries", this, QueryProcessorStreams::cacheEntries)
                .description("Entries in this instance's cache stores (RocksDB estimate)").register(meters);
        Gauge.builder("llmcache.cache.bytes", this, QueryProcessorStreams::cacheBytes).baseUnit("bytes")
                .description("Bytes of this instance's cache stores on disk and in memtables").register(meters);
        Gauge.builder("llmcache.cache.capacity.entries", properties, ProcessorProperties::maxEntries)
                .description("Configured cache capacity across all partitions").register(meters);
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
