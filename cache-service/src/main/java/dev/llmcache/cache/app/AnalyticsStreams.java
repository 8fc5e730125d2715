package dev.llmcache.cache.app;

import dev.llmcache.cache.analytics.AnalyticsTopology;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/** Runs the {@link AnalyticsTopology} and gives read access to its stores (interactive queries). */
public final class AnalyticsStreams implements SmartLifecycle, HealthIndicator {

    private final KafkaSettings kafka;
    private final AnalyticsProperties properties;
    private final MeterRegistry meters;
    private volatile KafkaStreams streams;

    public AnalyticsStreams(KafkaSettings kafka, AnalyticsProperties properties, MeterRegistry meters) {
        this.kafka = kafka;
        this.properties = properties;
        this.meters = meters;
    }

    @Override
    public void start() {
        List<dev.llmcache.common.topic.Topics.Spec> topics = new ArrayList<>(kafka.topics().metrics());
        topics.addAll(kafka.topics().dataPlane());
        TopicProvisioner.ensure(kafka, topics, kafka.partitions());
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
        KafkaStreams created = new KafkaStreams(
                AnalyticsTopology.build(kafka.topics(), properties.window(), properties.grace()), config);
        created.setUncaughtExceptionHandler(
                error -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
        new KafkaStreamsMetrics(created).bindTo(meters);
        created.start();
        streams = created;
    }

    /** A local store of the analytics, or null while it is not queryable (starting, rebalancing). */
    public <T> T store(String name, QueryableStoreType<T> type) {
        KafkaStreams current = streams;
        if (current == null || current.state() != KafkaStreams.State.RUNNING) {
            return null;
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(name, type));
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    @Override
    public void stop() {
        KafkaStreams running = streams;
        if (running != null) {
            running.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            streams = null;
        }
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public Health health() {
        KafkaStreams current = streams;
        KafkaStreams.State state = current == null ? null : current.state();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        return (up ? Health.up() : Health.down()).withDetail("state", state == null ? "NOT_STARTED" : state.name()).build();
    }
}
