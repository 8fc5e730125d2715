package dev.llmcache.ingest.publish;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import reactor.core.publisher.Mono;

/**
 * Publishes ingest's records (queries, and the telemetry events of finished requests) without
 * ever blocking the caller's thread (a Netty event loop): {@code send()} can block on metadata or
 * a full buffer, so it runs on one dedicated thread with a bounded queue.
 */
public final class KafkaPublisher implements AutoCloseable {

    /** Kafka could not take the record: unreachable, too slow, or the send queue is full. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Producer<String, Object> producer;
    private final ThreadPoolExecutor sender;

    public KafkaPublisher(Producer<String, Object> producer, int queueCapacity) {
        this.producer = producer;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> new Thread(r, "kafka-publisher"));
    }

    /** The returned Mono completes when Kafka acknowledged the record. */
    public Mono<Void> publish(String topic, String key, Object value, Headers headers) {
        return Mono.create(sink -> {
            try {
                sender.execute(() -> {
                    try {
                        producer.send(new ProducerRecord<>(topic, null, key, value, headers), (metadata, error) -> {
                            if (error == null) {
                                sink.success();
                            } else {
                                sink.error(new UnavailableException("Kafka did not accept the record", error));
                            }
                        });
                    } catch (RuntimeException e) {
                        sink.error(new UnavailableException("Kafka did not accept the record", e));
                    }
                });
            } catch (RejectedExecutionException e) {
                sink.error(new UnavailableException("Too many records waiting to be published", e));
            }
        });
    }

    @Override
    public void close() {
        sender.shutdown();
        producer.close();
    }
}
