package dev.llmcache.cache.admin;

import dev.llmcache.common.event.QueryRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.springframework.kafka.core.ConsumerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reads the queries of a time range from the {@code queries} topic, for a batch replay: every
 * partition from the first record at or after {@code since} (by its timestamp, when ingest
 * accepted the query) up to the first at or after {@code until}, or up to where the partition ended
 * when the export began.
 *
 * <p>Each export has a consumer of its own (assigned, no group, nothing committed) and a thread of
 * its own: a Kafka consumer may only be used from one thread, so opening, polling and closing all
 * happen there, never on an event loop; a client that leaves only raises a flag and wakes the
 * consumer. Records are read as the client takes them (at most one poll's worth is held). An
 * export that makes no progress for {@code stallTimeout}, or that nobody reads within it, ends and
 * frees its place; at most {@code maxExports} run at once.
 */
public final class QueryExport {

    /** Thrown when {@code maxExports} exports are running already. */
    public static final class BusyException extends RuntimeException {
        BusyException(int max) {
            super(max + " query exports are running; retry when one has ended", null, false, false);
        }
    }

    /** Thrown into an export's stream when its partitions stopped making progress. */
    public static final class StalledException extends RuntimeException {
        StalledException(Duration timeout) {
            super("The export made no progress for " + timeout.toSeconds() + " s (a partition is unavailable)");
        }
    }

    private static final Duration POLL = Duration.ofMillis(200);

    private final ConsumerFactory<String, QueryRequest> consumers;
    private final String topic;
    private final int maxExports;
    private final Duration stallTimeout;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();

    public QueryExport(ConsumerFactory<String, QueryRequest> consumers, String topic, int maxExports,
                       Duration stallTimeout) {
        this.consumers = consumers;
        this.topic = topic;
        this.maxExports = maxExports;
        this.stallTimeout = stallTimeout;
    }

    /**
     * Starts an export of the queries of {@code [since, until)} of one tenant (or all: null): its
     * consumer is created and positioned now (on the export's thread), so that a busy server or an
     * unreachable Kafka is known before an answer starts. Blocks the caller until then: call it off
     * the event loop.
     *
     * @throws BusyException if {@code maxExports} exports are running
     */
    public Session open(long since, long until, String tenant) {
        if (running.incrementAndGet() > maxExports) {
            running.decrementAndGet();
            throw new BusyException(maxExports);
        }
        long id = sequence.incrementAndGet();
        Scheduler thread = Schedulers.newSingle("query-export-" + id);
        try {
            return Mono.fromCallable(() -> {
                Consumer<String, QueryRequest> consumer = consumers.createConsumer(null, null, "-" + id);
                try {
                    return new Session(consumer, thread, position(consumer, since), until, tenant);
                } catch (RuntimeException e) {
                    consumer.close(Duration.ofSeconds(5));
                    throw e;
                }
            }).subscribeOn(thread).block();
        } catch (RuntimeException e) {
            thread.dispose();
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

    /** One export: read once (partition by partition, in offset order), then closed on its own thread. */
    public final class Session {

        private final Consumer<String, QueryRequest> consumer;
        private final Scheduler thread;
        private final Map<TopicPartition, Long> ends;
        private final long until;
        private final String tenant;
        private final AtomicBoolean started = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean cancelled;

        private Session(Consumer<String, QueryRequest> consumer, Scheduler thread, Map<TopicPartition, Long> ends,
                        long until, String tenant) {
            this.consumer = consumer;
            this.thread = thread;
            this.ends = ends;
            this.until = until;
            this.tenant = tenant;
            // Opened, but never read (the client left before the answer started): freed all the same.
            thread.schedule(() -> {
                if (!started.get()) {
                    close();
                }
            }, stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** At most {@code limit} queries; unreadable records are skipped. Can be read once. */
        public Flux<QueryRequest> queries(int limit) {
            return Flux.create(sink -> {
                if (!started.compareAndSet(false, true) || closed.get()) {
                    sink.error(new IllegalStateException("This export was read already, or expired"));
                    return;
                }
                sink.onCancel(() -> {
                    cancelled = true;
                    consumer.wakeup(); // the one consumer call that is safe from any thread
                });
                thread.schedule(() -> pump(sink, limit));
            }, FluxSink.OverflowStrategy.BUFFER);
        }

        /** Runs on the export's thread from start to end: polls only while the client wants records. */
        private void pump(FluxSink<QueryRequest> sink, int limit) {
            Set<TopicPartition> open = new HashSet<>(consumer.assignment());
            Queue<QueryRequest> ready = new ArrayDeque<>();
            int emitted = 0;
            long lastProgress = System.nanoTime();
            boolean finished = false;
            RuntimeException failure = null;
            try {
                while (!cancelled && emitted < limit && (!open.isEmpty() || !ready.isEmpty())) {
                    if (sink.requestedFromDownstream() == 0) {
                        Thread.sleep(5); // the client reads slower than Kafka: wait for it, hold nothing more
                        lastProgress = System.nanoTime();
                        continue;
                    }
                    if (!ready.isEmpty()) {
                        sink.next(ready.poll());
                        emitted++;
                        continue;
                    }
                    long before = positions(open);
                    for (ConsumerRecord<String, QueryRequest> record : consumer.poll(POLL)) {
                        take(record, open, ready);
                    }
                    open.removeIf(partition -> {
                        boolean done = consumer.position(partition) >= ends.get(partition);
                        if (done) {
                            consumer.pause(List.of(partition));
                        }
                        return done;
                    });
                    if (positions(open) != before || !ready.isEmpty() || open.isEmpty()) {
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                        throw new StalledException(stallTimeout);
                    }
                }
                finished = true;
            } catch (WakeupException e) {
                // the client left
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                close();
            }
            // Only now: a client that asks again at once finds the place of this export free.
            if (failure != null) {
                sink.error(failure);
            } else if (finished) {
                sink.complete();
            }
        }

        private void take(ConsumerRecord<String, QueryRequest> record, Set<TopicPartition> open,
                          Queue<QueryRequest> ready) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            if (!open.contains(partition)) {
                return;
            }
            if (record.offset() >= ends.get(partition) || record.timestamp() >= until) {
                open.remove(partition);
                consumer.pause(List.of(partition));
                return;
            }
            QueryRequest query = record.value();
            if (query != null && query.body() != null && (tenant == null || tenant.equals(query.tenant()))) {
                ready.add(query);
            }
        }

        private long positions(Set<TopicPartition> open) {
            long sum = 0;
            for (TopicPartition partition : open) {
                sum += consumer.position(partition);
            }
            return sum;
        }

        /** On the export's thread only: the consumer is closed there, and the export's place freed, once. */
        private void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                consumer.close(Duration.ofSeconds(5));
            } finally {
                running.decrementAndGet();
                thread.dispose();
            }
        }
    }
}
