package dev.llmcache.processor.app;

import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import dev.llmcache.processor.config.BoundedMemoryRocksDbConfig;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.topology.QueryTopology;
import dev.llmcache.processor.topology.TopologySettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/** Runs the {@link QueryTopology} in this JVM and reports its state as health. */
public final class QueryProcessorStreams implements SmartLifecycle, HealthIndicator {

    private final KafkaSettings kafka;
    private final ProcessorProperties properties;
    private final MeterRegistry meters;
    private volatile KafkaStreams streams;
    private volatile boolean everRunning;

    public QueryProcessorStreams(KafkaSettings kafka, ProcessorProperties properties, MeterRegistry meters) {
        this.kafka = kafka;
        this.properties = properties;
        this.meters = meters;
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
        return config;
    }

    @Override
    public void start() {
        TopicProvisioner.ensure(kafka, kafka.topics().dataPlane(), kafka.partitions());
        TopologySettings settings = new TopologySettings(properties.cacheTtl(), properties.inflightTimeout(),
                properties.sweepInterval(), 1000, Math.max(1, properties.maxEntries() / kafka.partitions()));
        KafkaStreams created = new KafkaStreams(QueryTopology.build(kafka.topics(), settings),
                streamsConfig(kafka, properties));
        created.setUncaughtExceptionHandler(
                error -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
        created.setStateListener((next, previous) -> everRunning |= next == KafkaStreams.State.RUNNING);
        new KafkaStreamsMetrics(created).bindTo(meters);
        Gauge.builder("llmcache.cache.entries", this, QueryProcessorStreams::cacheEntries)
                .description("Entries in this instance's cache stores (RocksDB estimate)").register(meters);
        Gauge.builder("llmcache.cache.bytes", this, QueryProcessorStreams::cacheBytes).baseUnit("bytes")
                .description("Bytes of this instance's cache stores on disk and in memtables").register(meters);
        Gauge.builder("llmcache.cache.capacity.entries", properties, ProcessorProperties::maxEntries)
                .description("Configured cache capacity across all partitions").register(meters);
        created.start();
        streams = created;
    }

    private double cacheEntries() {
        KafkaStreams current = streams;
        if (current == null || current.state() != KafkaStreams.State.RUNNING) {
            return Double.NaN;
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(QueryTopology.CACHE_STORE,
                    QueryableStoreTypes.<String, Object>keyValueStore())).approximateNumEntries();
        } catch (InvalidStateStoreException e) {
            return Double.NaN;
        }
    }

    /** From the RocksDB property metrics Kafka Streams records for the cache store. */
    private double cacheBytes() {
        KafkaStreams current = streams;
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

    @Override
    public void stop() {
        KafkaStreams running = streams;
        if (running != null) {
            // Leave the group so that a restarted or replacing instance gets the partitions at once,
            // instead of after the old member's session timeout.
            running.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            streams = null;
        }
    }

    /** Start before the web server (which starts late) and stop after it has drained. */
    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** UP once the topology has run; a rebalance after that is normal and stays UP. */
    @Override
    public Health health() {
        KafkaStreams current = streams;
        if (current == null) {
            return Health.down().withDetail("state", "NOT_STARTED").build();
        }
        KafkaStreams.State state = current.state();
        boolean up = state == KafkaStreams.State.RUNNING
                || (everRunning && state == KafkaStreams.State.REBALANCING);
        return (up ? Health.up() : Health.down()).withDetail("state", state.name()).build();
    }
}
