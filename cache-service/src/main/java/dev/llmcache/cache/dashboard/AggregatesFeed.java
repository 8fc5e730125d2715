package dev.llmcache.cache.dashboard;

import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.KafkaSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Tails {@code metrics-aggregates} on its own thread and multicasts each update to the dashboards
 * connected right now (a slow browser misses updates rather than holding the others back).
 */
public final class AggregatesFeed implements SmartLifecycle {

    private final KafkaSettings kafka;
    private final Sinks.Many<MetricsAggregate> updates = Sinks.many().multicast().directBestEffort();
    private volatile KafkaConsumer<String, MetricsAggregate> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    public AggregatesFeed(KafkaSettings kafka) {
        this.kafka = kafka;
    }

    public Flux<MetricsAggregate> updates() {
        return updates.asFlux();
    }

    @Override
    public void start() {
        String topic = kafka.topics().metricsAggregates();
        KafkaConsumer<String, MetricsAggregate> created = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), JsonSerde.of(MetricsAggregate.class));
        List<TopicPartition> partitions = created.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        created.assign(partitions);
        created.seekToEnd(partitions);
        running = true;
        consumer = created;
        thread = new Thread(this::poll, "aggregates-feed");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            while (running) {
                for (ConsumerRecord<String, MetricsAggregate> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) {
                        updates.tryEmitNext(record.value());
                    }
                }
            }
        } catch (WakeupException e) {
            // stopping
        } finally {
            consumer.close();
        }
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, MetricsAggregate> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        updates.tryEmitComplete();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return 1;
    }
}
