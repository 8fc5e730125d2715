package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * This instance's end of the answers topic: reads its reply partitions (a {@link TopicTail}, no
 * consumer group) and hands each answer to {@link PendingReplies}; tells the processor where to
 * send the answers of a request taken here; health component {@code replyChannel}.
 */
public final class ReplyChannel implements SmartLifecycle, HealthIndicator, Supplier<ReplyRoute> {

    private final Topic<String, Answer> topic;
    private final PendingReplies pending;
    private final List<Integer> ownedPartitions;
    private final TopicTail<Answer> tail;
    private final AtomicInteger nextRoute = new AtomicInteger();

    /**
     * @param ownedPartitions the partitions this instance owns; empty to read all of them
     */
    public ReplyChannel(KafkaClients clients, Topic<String, Answer> topic, PendingReplies pending,
                        List<Integer> ownedPartitions) {
        this.topic = topic;
        this.pending = pending;
        this.ownedPartitions = List.copyOf(ownedPartitions);
        this.tail = new TopicTail<>(clients, topic, ownedPartitions, "reply-channel",
                // Answers are tiny and latency-critical: return a fetch as soon as one byte is there.
                Map.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1), pending::deliver);
    }

    /** Where the processor should send the answers of a request taken by this instance. */
    @Override
    public ReplyRoute get() {
        if (ownedPartitions.isEmpty()) {
            return new ReplyRoute(topic.name(), ReplyRoute.ANY_PARTITION);
        }
        int index = Math.floorMod(nextRoute.getAndIncrement(), ownedPartitions.size());
        return new ReplyRoute(topic.name(), ownedPartitions.get(index));
    }

    @Override
    public void start() {
        tail.start();
    }

    @Override
    public void stop() {
        tail.stop();
    }

    @Override
    public boolean isRunning() {
        return tail.isRunning();
    }

    /** Start before the web server (which starts late) and stop after it has drained. */
    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public Health health() {
        Health listener = tail.health();
        return Health.status(listener.getStatus()).withDetails(listener.getDetails())
                .withDetail("inflightRequests", pending.size())
                .build();
    }
}
