package dev.llmcache.common.streams;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.streams.KafkaStreamsMicrometerListener;

/**
 * One Kafka Streams application of the product, run by spring-kafka's
 * {@link StreamsBuilderFactoryBean} and supervised: a stream thread that dies on an unexpected
 * error is replaced (its tasks resume from their changelogs), and the health component reports
 * DOWN while the application is not running or its threads keep failing (more than
 * {@link #MAX_FAILURES} in {@link #FAILURE_WINDOW}), instead of staying UP while nothing is
 * processed. Also gives access to the local stores.
 */
public class SupervisedStreams implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(SupervisedStreams.class);

    static final int MAX_FAILURES = 3;
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(1);

    private final StreamsBuilderFactoryBean factory;
    private final Clock clock;
    private final Deque<Long> failures = new ArrayDeque<>();
    private volatile boolean everRunning;

    public SupervisedStreams(StreamsBuilderFactoryBean factory, MeterRegistry meters) {
        this(factory, meters, Clock.systemUTC());
    }

    SupervisedStreams(StreamsBuilderFactoryBean factory, MeterRegistry meters, Clock clock) {
        this.factory = factory;
        this.clock = clock;
        factory.setStreamsUncaughtExceptionHandler(this::onThreadFailure);
        factory.setStateListener((next, previous) -> everRunning |= next == KafkaStreams.State.RUNNING);
        factory.addListener(new KafkaStreamsMicrometerListener(meters));
    }

    /**
     * The factory bean (the lifecycle) of one topology: started before the web server (phase 0)
     * and closed after it has drained, leaving the group so that another instance takes over at once.
     */
    public static StreamsBuilderFactoryBean factory(Map<String, Object> config,
                                                    KafkaStreamsInfrastructureCustomizer topology) {
        StreamsBuilderFactoryBean factory = new StreamsBuilderFactoryBean(new KafkaStreamsConfiguration(config));
        factory.setInfrastructureCustomizer(topology);
        factory.setPhase(0);
        factory.setLeaveGroupOnClose(true);
        factory.setCloseTimeout(30);
        return factory;
    }

    /**
     * How the product's Streams apps handle bad records, in their config: a record that cannot be
     * read is logged and skipped, one Kafka will not take is logged and dropped
     * ({@link DropRefusedRecords}); either would otherwise stop every key of its partition.
     */
    public static Map<String, Object> errorHandling() {
        return Map.of(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class,
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DropRefusedRecords.class);
    }

    StreamThreadExceptionResponse onThreadFailure(Throwable error) {
        log.error("Kafka Streams thread failed; replacing it", error);
        synchronized (this) {
            failures.addLast(clock.millis());
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** The running client, or null. */
    protected KafkaStreams streams() {
        return factory.getKafkaStreams();
    }

    /** A local store, or null while it is not queryable (starting, rebalancing, stopped). */
    public <T> T store(String name, QueryableStoreType<T> type) {
        KafkaStreams current = streams();
        if (current == null || current.state() != KafkaStreams.State.RUNNING) {
            return null;
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(name, type));
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    private synchronized int recentFailures() {
        long since = clock.millis() - FAILURE_WINDOW.toMillis();
        while (!failures.isEmpty() && failures.peekFirst() < since) {
            failures.removeFirst();
        }
        return failures.size();
    }

    /** UP once the topology has run (a rebalance after that is normal) and its threads are not crash-looping. */
    @Override
    public Health health() {
        KafkaStreams current = streams();
        if (current == null) {
            return Health.down().withDetail("state", "NOT_STARTED").build();
        }
        KafkaStreams.State state = current.state();
        int failed = recentFailures();
        boolean running = state == KafkaStreams.State.RUNNING
                || (everRunning && state == KafkaStreams.State.REBALANCING);
        return (running && failed <= MAX_FAILURES ? Health.up() : Health.down())
                .withDetail("state", state.name())
                .withDetail("threadFailuresLastMinute", failed)
                .build();
    }
}
