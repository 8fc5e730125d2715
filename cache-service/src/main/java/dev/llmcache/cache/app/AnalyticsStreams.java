package dev.llmcache.cache.app;

import dev.llmcache.cache.analytics.AnalyticsTopology;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.streams.SupervisedStreams;
import dev.llmcache.common.topic.KafkaSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/** The {@link AnalyticsTopology} as it runs in this JVM; its stores back the stats and aggregates API. */
public final class AnalyticsStreams extends SupervisedStreams {

    public AnalyticsStreams(StreamsBuilderFactoryBean factory, MeterRegistry meters) {
        super(factory, meters);
    }

    /** The product's defaults under {@code spring.kafka.streams.*}. */
    static Map<String, Object> streamsConfig(KafkaClients clients, KafkaSettings kafka, AnalyticsProperties properties) {
        Map<String, Object> defaults = new HashMap<>();
        kafka.replication().ifPresent(rf -> defaults.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) rf));
        // Aggregates are emitted at most once a second per window: live enough for a dashboard,
        // and the record cache folds the updates of busy windows into one.
        defaults.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1_000);
        defaults.putAll(SupervisedStreams.errorHandling());
        // Analytics are not latency-critical: fetch in bigger, fewer requests, sparing the broker
        // for the data plane (a fetch waits up to 200 ms for 64 KB).
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 65_536);
        defaults.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 200);
        return clients.streamsConfig(defaults, Map.of(), Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, properties.applicationId(),
                StreamsConfig.STATE_DIR_CONFIG, properties.stateDir()));
    }
}
