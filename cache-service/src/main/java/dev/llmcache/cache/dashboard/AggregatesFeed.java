package dev.llmcache.cache.dashboard;

import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
import java.util.List;
import java.util.Map;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Tails {@code metrics-aggregates} (a {@link TopicTail}) and multicasts each update to the
 * dashboards connected right now (a slow browser misses updates rather than holding the others back).
 */
public final class AggregatesFeed implements SmartLifecycle {

    private final Sinks.Many<MetricsAggregate> updates = Sinks.many().multicast().directBestEffort();
    private final TopicTail<MetricsAggregate> tail;

    public AggregatesFeed(KafkaClients clients, Topic<String, MetricsAggregate> topic) {
        this.tail = new TopicTail<>(clients, topic, List.of(), "aggregates-feed", Map.of(), updates::tryEmitNext);
    }

    public Flux<MetricsAggregate> updates() {
        return updates.asFlux();
    }

    @Override
    public void start() {
        tail.start();
    }

    @Override
    public void stop() {
        tail.stop();
        updates.tryEmitComplete();
    }

    @Override
    public boolean isRunning() {
        return tail.isRunning();
    }

    @Override
    public int getPhase() {
        return 1;
    }
}
