package dev.llmcache.cache.admin;

import dev.llmcache.common.event.QueryRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.ConsumerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Reads the queries of a time range from the {@code queries} topic, for a batch replay: every
 * partition from the first record at or after {@code since} (by its timestamp, when ingest
 * accepted the query) up to the first at or after {@code until}, or up to where the partition ended
 * when the export began. A consumer of its own (assigned, no group, nothing committed) polls on a
 * bounded-elastic thread, never on an event loop; at most {@code maxExports} run at once.
 */
public final class QueryExport {

    /** Thrown when {@code maxExports} exports are running already. */
    public static final class BusyException extends RuntimeException {
        BusyException(int max) {
            super(max + " query exports are running; retry when one has ended", null, false, false);
        }
    }

    private static final Duration POLL = Duration.ofMillis(500);

    private final ConsumerFactory<String, QueryRequest> consumers;
    private final String topic;
    private final int maxExports;
    private final AtomicInteger running = new AtomicInteger();

    public QueryExport(ConsumerFactory<String, QueryRequest> consumers, String topic, int maxExports) {
        this.consumers = consumers;
        this.topic = topic;
        this.maxExports = maxExports;
    }

    /**
     * Starts an export of the queries of {@code [since, until)} of one tenant (or all: null): its
     * consumer is created and positioned now, so that a busy server or an unreachable Kafka is
     * known before an answer starts. Blocks: call it off the event loop.
     *
     * @throws BusyException if {@code maxExports} exports are running
     */
    public Session open(long since, long until, String tenant) {
        if (running.incrementAndGet() > maxExports) {
            running.decrementAndGet();
            throw new BusyException(maxExports);
        }
        Consumer<String, QueryRequest> consumer = null;
        try {
            consumer = consumers.createConsumer();
            return new Session(consumer, position(consumer, since), until, tenant);
        } catch (RuntimeException e) {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(5));
            }
            running.decrementAndGet();
            throw e;
        }
    }

    /**
     * Assigns the partitions that have records at or after {@code since} and seeks to the first of
     * them; returns where each partition ended when the export began.
     */
    private Map<TopicPartition, Long> position(Consumer<String, QueryRequest> consumer, long since) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(partition -> times.put(partition, since));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times);
        List<TopicPartition> open = partitions.stream()
                .filter(p -> starts.get(p) != null && starts.get(p).offset() < ends.get(p)).toList();
        consumer.assign(open);
        open.forEach(partition -> consumer.seek(partition, starts.get(partition).offset()));
        return ends;
    }

    /** One export: its records are read once (partition by partition, in offset order), then it is closed. */
    public final class Session {

        private final Consumer<String, QueryRequest> consumer;
        private final Map<TopicPartition, Long> ends;
        private final long until;
        private final String tenant;

        private Session(Consumer<String, QueryRequest> consumer, Map<TopicPartition, Long> ends, long until,
                        String tenant) {
            this.consumer = consumer;
            this.ends = ends;
            this.until = until;
            this.tenant = tenant;
        }

        /** At most {@code limit} queries; unreadable records are skipped. The consumer is closed at the end. */
        public Flux<QueryRequest> queries(int limit) {
            return Flux.using(() -> this, Session::read, Session::close)
                    .take(limit)
                    .subscribeOn(Schedulers.boundedElastic());
        }

        private Flux<QueryRequest> read() {
            Set<TopicPartition> open = new HashSet<>(consumer.assignment());
            return Flux.<List<QueryRequest>>generate(sink -> {
                if (open.isEmpty()) {
                    sink.complete();
                    return;
                }
                List<QueryRequest> batch = new ArrayList<>();
                for (ConsumerRecord<String, QueryRequest> record : consumer.poll(POLL)) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (!open.contains(partition)) {
                        continue;
                    }
                    if (record.offset() >= ends.get(partition) || record.timestamp() >= until) {
                        done(open, partition);
                        continue;
                    }
                    QueryRequest query = record.value();
                    if (query != null && query.body() != null && (tenant == null || tenant.equals(query.tenant()))) {
                        batch.add(query);
                    }
                }
                for (TopicPartition partition : List.copyOf(open)) {
                    if (consumer.position(partition) >= ends.get(partition)) {
                        done(open, partition);
                    }
                }
                sink.next(batch);
            }).concatMapIterable(batch -> batch);
        }

        private void done(Set<TopicPartition> open, TopicPartition partition) {
            open.remove(partition);
            consumer.pause(List.of(partition));
        }

        /** Closes the consumer: the export was read to its end, or its reader stopped (the client left, an error). */
        private void close() {
            try {
                consumer.close(Duration.ofSeconds(5));
            } finally {
                running.decrementAndGet();
            }
        }
    }
}
