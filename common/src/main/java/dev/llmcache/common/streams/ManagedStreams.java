package dev.llmcache.common.streams;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * Runs one Kafka Streams topology as part of the Spring lifecycle: started before the web server,
 * closed (leaving its group, so a replacement takes over at once) after it, its client metrics in
 * Micrometer, its state as a health component, and its local stores readable.
 */
public class ManagedStreams implements SmartLifecycle, HealthIndicator {

    private final Supplier<Topology> topology;
    private final Supplier<Properties> config;
    private final MeterRegistry meters;
    private volatile KafkaStreams streams;
    private volatile boolean everRunning;

    /**
     * @param topology built at start, after {@link #beforeStart()} (e.g. created its topics)
     */
    public ManagedStreams(Supplier<Topology> topology, Supplier<Properties> config, MeterRegistry meters) {
        this.topology = topology;
        this.config = config;
        this.meters = meters;
    }

    /** Runs before the topology is built and started: create topics, register gauges. */
    protected void beforeStart() {
    }

    @Override
    public void start() {
        beforeStart();
        KafkaStreams created = new KafkaStreams(topology.get(), config.get());
        // A thread that dies on an unexpected error is replaced; its tasks resume from their changelogs.
        created.setUncaughtExceptionHandler(
                error -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
        created.setStateListener((next, previous) -> everRunning |= next == KafkaStreams.State.RUNNING);
        new KafkaStreamsMetrics(created).bindTo(meters);
        created.start();
        streams = created;
    }

    /** The running client, or null. */
    protected KafkaStreams streams() {
        return streams;
    }

    /** A local store, or null while it is not queryable (starting, rebalancing, stopped). */
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

    /** Start before the web server (which starts late) and stop after it has drained. */
    @Override
    public int getPhase() {
        return 0;
    }

    /** UP once the topology has run; a rebalance after that is normal and stays UP. */
    @Override
    public Health health() {
        KafkaStreams current = streams;
        if (current == null) {
            return Health.down().withDetail("state", "NOT_STARTED").build();
        }
        KafkaStreams.State state = current.state();
        boolean up = state == KafkaStreams.State.RUNNING || (everRunning && state == KafkaStreams.State.REBALANCING);
        return (up ? Health.up() : Health.down()).withDetail("state", state.name()).build();
    }
}
