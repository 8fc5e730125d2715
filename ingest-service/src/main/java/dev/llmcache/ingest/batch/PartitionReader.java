package dev.llmcache.ingest.batch;

import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import dev.llmcache.common.serde.NullOnErrorDeserializer;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Reads one stretch of one partition: a file's chunks, a batch's results. A consumer of its own,
 * assigned (no group), used on one bounded-elastic thread and read as the subscriber asks, so a
 * large file never sits in memory and no event loop waits for a poll.
 */
public final class PartitionReader {

    /** How long a read may see nothing new before it fails (the broker is away, the data is gone). */
    static final Duration STALL = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(500);

    private static final AtomicLong READERS = new AtomicLong();

    /** Reads at once per reader (each has a consumer of its own); more are refused with {@link BusyException}. */
    static final int MAX_READS = 16;

    private final KafkaClients clients;
    private final Semaphore reads = new Semaphore(MAX_READS);

    /** Every reader of the instance is taken. */
    public static final class BusyException extends RuntimeException {
        BusyException() {
            super("Too many files and results are being read at once; retry shortly", null, false, false);
        }
    }

    PartitionReader(KafkaClients clients) {
        this.clients = clients;
    }

    /** Whether a read could start now. */
    boolean available() {
        return reads.availablePermits() > 0;
    }

    /**
     * The records of {@code partition} from offset {@code from} up to and including {@code last};
     * {@code last < 0} means up to the partition's end as it is when the read starts.
     */
    <V> Flux<ConsumerRecord<String, V>> read(Topic<String, V> topic, int partition, long from, long last) {
        return Flux.<ConsumerRecord<String, V>, Cursor<V>>generate(
                        () -> {
                            if (!reads.tryAcquire()) {
                                throw new BusyException();
                            }
                            try {
                                return new Cursor<>(open(topic), new TopicPartition(topic.name(), partition), from,
                                        last, reads::release);
                            } catch (RuntimeException e) {
                                reads.release();
                                throw e;
                            }
                        },
                        (cursor, sink) -> {
                            ConsumerRecord<String, V> next = cursor.next();
                            if (next == null) {
                                sink.complete();
                            } else {
                                sink.next(next);
                            }
                            return cursor;
                        }, Cursor::close)
                .subscribeOn(Schedulers.boundedElastic())
                // Closing the consumer takes a moment: never on the thread that cancels (an event loop).
                .cancelOn(Schedulers.boundedElastic());
    }

    /** The partition's end offset now: where its next record will go. */
    <V> Mono<Long> end(Topic<String, V> topic, int partition) {
        return Mono.fromCallable(() -> {
            TopicPartition tp = new TopicPartition(topic.name(), partition);
            try (Consumer<String, V> consumer = open(topic)) {
                return consumer.endOffsets(List.of(tp), STALL).get(tp);
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * A plain consumer, not one of the factory's: readers are short-lived and many, so they get
     * no meters of their own and a client id each (the JMX registration of a client needs that).
     */
    private <V> Consumer<String, V> open(Topic<String, V> topic) {
        Map<String, Object> config = clients.consumerConfig("batch-reader", Map.of(
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 64),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, KafkaClients.ABSENT,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        config.put(ConsumerConfig.CLIENT_ID_CONFIG,
                config.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "batch-reader") + "-" + READERS.incrementAndGet());
        // A record that cannot be read is skipped (null), not a read that fails forever.
        return new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                new NullOnErrorDeserializer<>(topic.valueSerde().deserializer()));
    }

    /** A position in the partition; polls when its buffer is empty. */
    private static final class Cursor<V> {

        private final Consumer<String, V> consumer;
        private final TopicPartition partition;
        private final long last;
        private final Queue<ConsumerRecord<String, V>> buffered = new ArrayDeque<>();
        private long position;

        private final Runnable onClose;

        /** @param onClose run once the consumer is closed (gives the read's place back) */
        Cursor(Consumer<String, V> consumer, TopicPartition partition, long from, long last, Runnable onClose) {
            this.consumer = consumer;
            this.onClose = onClose;
            this.partition = partition;
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            this.last = last >= 0 ? last : consumer.endOffsets(List.of(partition)).get(partition) - 1;
            this.position = from;
        }

        ConsumerRecord<String, V> next() {
            long stalledSince = System.nanoTime();
            while (buffered.isEmpty()) {
                if (position > last) {
                    return null;
                }
                consumer.poll(POLL).records(partition).forEach(buffered::add);
                if (buffered.isEmpty()) {
                    // Compaction may have removed the rest of the stretch: where the consumer stands tells.
                    position = Math.max(position, consumer.position(partition));
                    if (System.nanoTime() - stalledSince > STALL.toNanos() && position <= last) {
                        throw new IllegalStateException("No records from " + partition + " at offset " + position
                                + " for " + STALL.toSeconds() + " s");
                    }
                }
            }
            ConsumerRecord<String, V> record = buffered.poll();
            position = record.offset() + 1;
            return record.offset() > last ? null : record;
        }

        void close() {
            try {
                consumer.close(Duration.ofSeconds(1));
            } finally {
                onClose.run();
            }
        }
    }
}
