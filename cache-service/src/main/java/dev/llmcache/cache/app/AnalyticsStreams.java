package dev.llmcache.cache.app;

import dev.llmcache.cache.analytics.AnalyticsTopology;
import dev.llmcache.common.streams.ManagedStreams;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import dev.llmcache.common.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/** Runs the {@link AnalyticsTopology}; its stores back the stats and aggregates API. */
public final class AnalyticsStreams extends ManagedStreams {

    private final KafkaSettings kafka;

    public AnalyticsStreams(KafkaSettings kafka, AnalyticsProperties properties, MeterRegistry meters) {
        super(() -> AnalyticsTopology.build(kafka.topics(), properties.window(), properties.grace(),
                        properties.combineInterval()),
                () -> streamsConfig(kafka, properties), meters);
        this.kafka = kafka;
    }

    static Properties streamsConfig(KafkaSettings kafka, AnalyticsProperties properties) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, properties.applicationId());
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.STATE_DIR_CONFIG, properties.stateDir());
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
        // Aggregates are emitted at most once a second per window: live enough for a dashboard,
        // and the record cache folds the updates of busy windows into one.
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1_000);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        // Analytics are not latency-critical: fetch in bigger, fewer requests, sparing the broker
        // for the data plane (a fetch waits up to 200 ms for 64 KB).
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 65_536);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 200);
        return config;
    }

    @Override
    protected void beforeStart() {
        List<Topics.Spec> topics = new ArrayList<>(kafka.topics().metrics());
        topics.addAll(kafka.topics().dataPlane());
        TopicProvisioner.ensure(kafka, topics, kafka.partitions());
    }
}
