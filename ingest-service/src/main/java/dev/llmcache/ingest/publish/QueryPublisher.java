package dev.llmcache.ingest.publish;

import dev.llmcache.common.event.QueryRequest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import reactor.core.publisher.Mono;

/**
 * Publishes queries to Kafka without ever blocking the caller's thread (a Netty event loop):
 * {@code send()} can block on metadata or a full buffer, so it runs on one dedicated thread with
 * a bounded queue. The returned Mono completes when Kafka acknowledged the record.
 */
public final class QueryPublisher implements AutoCloseable {

    /** Kafka could not take the query: unreachable, too slow, or the send queue is full. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Producer<String, QueryRequest> producer;
    private final String topic;
    private final ThreadPoolExecutor sender;

    public QueryPublisher(Producer<String, QueryRequest> producer, String topic, int queueCapacity) {
        this.producer = producer;
        this.topic = topic;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> new Thread(r, "query-publisher"));
    }

    public Mono<Void> publish(QueryRequest query) {
        return Mono.create(sink -> {
            try {
                sender.execute(() -> {
                    try {
                        producer.send(new ProducerRecord<>(topic, query.cacheKey(), query), (metadata, error) -> {
                            if (error == null) {
                                sink.success();
                            } else {
                                sink.error(new UnavailableException("Kafka did not accept the query", error));
                            }
                        });
                    } catch (RuntimeException e) {
                        sink.error(new UnavailableException("Kafka did not accept the query", e));
                    }
                });
            } catch (RejectedExecutionException e) {
                sink.error(new UnavailableException("Too many queries waiting to be published", e));
            }
        });
    }

    @Override
    public void close() {
        sender.shutdown();
        producer.close();
    }
}
