package dev.llmcache.common.kafka;

import java.time.Clock;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health component {@code kafka}: UP when the last probe of {@link KafkaReachability} (at most a
 * second or two old) reached the cluster. Reading it costs nothing, however often health is polled.
 */
public final class KafkaHealthIndicator implements HealthIndicator {

    private final KafkaReachability reachability;
    private final String bootstrapServers;
    private final Clock clock;

    public KafkaHealthIndicator(KafkaReachability reachability, String bootstrapServers, Clock clock) {
        this.reachability = reachability;
        this.bootstrapServers = bootstrapServers;
        this.clock = clock;
    }

    @Override
    public Health health() {
        KafkaReachability.State state = reachability.state();
        if (!state.checked()) {
            return Health.unknown().withDetail("bootstrapServers", bootstrapServers).build();
        }
        if (state.reachable()) {
            return Health.up().withDetail("bootstrapServers", bootstrapServers)
                    .withDetail("brokers", state.brokers()).build();
        }
        return Health.down().withDetail("bootstrapServers", bootstrapServers)
                .withDetail("error", "Kafka is unreachable")
                .withDetail("unreachableSeconds", state.unreachableFor(clock.millis()).toSeconds()).build();
    }
}
