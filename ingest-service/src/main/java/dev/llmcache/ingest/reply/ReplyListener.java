package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ReplyRoute;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this instance's reply partitions of the answers topic on its own thread and hands each
 * answer to {@link PendingReplies}.
 *
 * <p>Partitions are assigned, not subscribed: no consumer group, no rebalance, and every instance
 * reads only the partitions it owns. Reading starts at the end: answers from before this instance
 * started belong to requests it never had.
 */
public final class ReplyListener implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);

    private final Consumer<String, Answer> consumer;
    private final PendingReplies pending;
    private final String topic;
    private final List<Integer> ownedPartitions;
    private final AtomicInteger nextRoute = new AtomicInteger();
    private volatile boolean running = true;

    /**
     * @param ownedPartitions the partitions this instance owns; empty to read all of them
     */
    public ReplyListener(Consumer<String, Answer> consumer, PendingReplies pending, String topic,
                         List<Integer> ownedPartitions) {
        this.consumer = consumer;
        this.pending = pending;
        this.topic = topic;
        this.ownedPartitions = List.copyOf(ownedPartitions);
        List<TopicPartition> assignment = this.ownedPartitions.isEmpty()
                ? consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList()
                : this.ownedPartitions.stream().map(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(assignment);
        consumer.seekToEnd(assignment);
        // Resolve the end positions now, so that no answer published after start-up is skipped.
        assignment.forEach(consumer::position);
    }

    /** Where the processor should send the answers of a request taken by this instance. */
    public ReplyRoute route() {
        if (ownedPartitions.isEmpty()) {
            return new ReplyRoute(topic, ReplyRoute.ANY_PARTITION);
        }
        int index = Math.floorMod(nextRoute.getAndIncrement(), ownedPartitions.size());
        return new ReplyRoute(topic, ownedPartitions.get(index));
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, Answer> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null) {
                        pending.deliver(record.value());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("Reply listener stopped; requests of this instance will time out", e);
            throw e;
        } finally {
            consumer.close();
        }
    }

    public void stop() {
        running = false;
        consumer.wakeup();
    }
}
