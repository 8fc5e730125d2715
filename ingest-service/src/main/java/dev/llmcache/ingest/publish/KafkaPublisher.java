package dev.llmcache.ingest.publish;

import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaTemplate;
import reactor.core.publisher.Mono;

/**
 * Publishes ingest's records (queries, and the telemetry events of finished requests) without
 * ever blocking the caller's thread (a Netty event loop): {@code send()} can block on metadata or
 * a full buffer, so it runs on one dedicated thread with a bounded queue. Each record is written
 * with its topic's own serdes.
 */
public final class KafkaPublisher implements AutoCloseable {

    /** Kafka could not take the record: unreachable, too slow, or the send queue is full. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The record is larger than Kafka takes ({@code max.request.size}): the request, not Kafka, is at fault. */
    public static final class TooLargeException extends RuntimeException {
        TooLargeException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final KafkaTemplate<byte[], byte[]> kafka;
    private final ThreadPoolExecutor sender;
    private final Duration deadline;
    private volatile long lastAckAt;

    /**
     * @param deadline longest a caller waits for Kafka's acknowledgment: while Kafka is away each
     *                 send can block for the producer's {@code max.block.ms} and sends queue up
     *                 behind it, so without a deadline a client would wait for all of them
     */
    public KafkaPublisher(KafkaTemplate<byte[], byte[]> kafka, int queueCapacity, Duration deadline) {
        this.kafka = kafka;
        this.deadline = deadline;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> new Thread(r, "kafka-publisher"));
    }

    /** When Kafka last acknowledged a record of this publisher (epoch millis; 0 if never). */
    public long lastAckAt() {
        return lastAckAt;
    }

    /** The returned Mono completes when Kafka acknowledged the record. */
    public <K, V> Mono<Void> publish(Topic<K, V> topic, K key, V value, Headers headers) {
        return publish(topic, null, key, value, headers);
    }

    /**
     * Publishes to one partition ({@code null}: the partitioner's choice); a {@code null} value
     * is a tombstone. The returned Mono completes when Kafka acknowledged the record.
     */
    public <K, V> Mono<Void> publish(Topic<K, V> topic, Integer partition, K key, V value, Headers headers) {
        return send(topic, partition, key, value, headers).then();
    }

    /** Like {@link #publish(Topic, Integer, Object, Object, Headers)}; tells the record's offset. */
    public <K, V> Mono<Long> publishAt(Topic<K, V> topic, int partition, K key, V value) {
        return send(topic, partition, key, value, null);
    }

    private <K, V> Mono<Long> send(Topic<K, V> topic, Integer partition, K key, V value, Headers headers) {
        Mono<Long> published = Mono.create(sink -> {
            AtomicBoolean abandoned = new AtomicBoolean();
            sink.onCancel(() -> abandoned.set(true));
            try {
                sender.execute(() -> {
                    if (abandoned.get()) {
                        return; // its caller already got an error: do not send it late
                    }
                    try {
                        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic.name(), partition,
                                topic.keyBytes(key), topic.valueBytes(value), headers);
                        kafka.send(record).whenComplete((result, error) -> {
                            if (error == null) {
                                lastAckAt = System.currentTimeMillis();
                                sink.success(result.getRecordMetadata().offset());
                            } else {
                                sink.error(failure(error));
                            }
                        });
                    } catch (RuntimeException e) {
                        sink.error(failure(e));
                    }
                });
            } catch (RejectedExecutionException e) {
                sink.error(new UnavailableException("Too many records waiting to be published", e));
            }
        });
        return published.timeout(deadline, Mono.error(() -> new UnavailableException(
                "Kafka did not acknowledge the record within " + deadline.toMillis() + " ms", null)));
    }

    /** The topic's partition count, looked up on the publisher's thread (a metadata wait can block). */
    public Mono<Integer> partitionCount(Topic<?, ?> topic) {
        return Mono.<Integer>create(sink -> {
            try {
                sender.execute(() -> {
                    try {
                        sink.success(kafka.partitionsFor(topic.name()).size());
                    } catch (RuntimeException e) {
                        sink.error(failure(e));
                    }
                });
            } catch (RejectedExecutionException e) {
                sink.error(new UnavailableException("Too many records waiting to be published", e));
            }
        }).timeout(deadline, Mono.error(() -> new UnavailableException(
                "Kafka did not tell the partitions of " + topic.name() + " within " + deadline.toMillis() + " ms",
                null)));
    }

    private static RuntimeException failure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof RecordTooLargeException) {
                return new TooLargeException("The request is too large to be queued: " + cause.getMessage(), error);
            }
        }
        return new UnavailableException("Kafka did not accept the record", error);
    }

    @Override
    public void close() throws Exception {
        sender.shutdown();
        sender.awaitTermination(5, TimeUnit.SECONDS);
        if (kafka.getProducerFactory() instanceof DisposableBean producers) {
            producers.destroy(); // flushes and closes the producer
        }
    }
}
