package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import dev.llmcache.common.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/** Starts the {@link ReplyListener} before the web server takes requests, and reports its health. */
public final class ReplyChannel implements SmartLifecycle, HealthIndicator, Supplier<ReplyRoute> {

    private final KafkaSettings kafka;
    private final PendingReplies pending;
    private final List<Integer> ownedPartitions;
    private volatile ReplyListener listener;
    private volatile Thread thread;

    public ReplyChannel(KafkaSettings kafka, PendingReplies pending, List<Integer> ownedPartitions) {
        this.kafka = kafka;
        this.pending = pending;
        this.ownedPartitions = ownedPartitions;
    }

    @Override
    public void start() {
        Topics topics = kafka.topics();
        TopicProvisioner.ensure(kafka, List.of(topics.answersSpec()), kafka.partitions());
        KafkaConsumer<String, Answer> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                // No group: partitions are assigned by configuration, offsets never committed.
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // Answers are tiny and latency-critical: return a fetch as soon as one byte is there.
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1),
                new StringDeserializer(), JsonSerde.of(Answer.class));
        ReplyListener created = new ReplyListener(consumer, pending, topics.answers(), ownedPartitions);
        Thread started = new Thread(created, "reply-listener");
        started.setDaemon(true);
        started.start();
        listener = created;
        thread = started;
    }

    @Override
    public ReplyRoute get() {
        return listener.route();
    }

    @Override
    public void stop() {
        ReplyListener running = listener;
        if (running != null) {
            running.stop();
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            listener = null;
        }
    }

    @Override
    public boolean isRunning() {
        return listener != null;
    }

    /** Start before the web server (which starts late) and stop after it has drained. */
    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public Health health() {
        Thread current = thread;
        boolean up = listener != null && current != null && current.isAlive();
        return (up ? Health.up() : Health.down())
                .withDetail("inflightRequests", pending.size())
                .build();
    }
}
