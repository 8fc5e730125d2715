package dev.llmcache.ingest.telemetry;

import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the telemetry records of finished requests (one record per event, as analytics consumers
 * count them) in batches, from one thread of its own.
 *
 * <p>A request only appends its events to a bounded queue: no serialisation, no Kafka call, no
 * timer and no thread wake-up on the event loop that answered it. The sender wakes every
 * {@code interval}, serialises what has queued up and hands it to the producer, which may block
 * here (metadata, a full buffer) without holding a request. When the queue is full (Kafka away
 * for longer than the queue covers) new events are dropped and counted: telemetry must never slow
 * down or fail the requests it describes.
 */
public final class TelemetrySender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TelemetrySender.class);
    private static final long WARN_EVERY_MILLIS = 10_000;
    private static final int MAX_BATCH = 4_096;

    private record Event<K, V>(Topic<K, V> topic, K key, V value, Headers headers) {
        ProducerRecord<byte[], byte[]> record() {
            return new ProducerRecord<>(topic.name(), null, topic.keyBytes(key), topic.valueBytes(value), headers);
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final BlockingQueue<Event<?, ?>> queue;
    private final long intervalNanos;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile long lastAckAt;
    private volatile boolean closing;
    private long lastWarnAt;
    private long reportedDrops;

    /**
     * @param interval how long events wait to be sent together (the old producer linger)
     * @param capacity events kept while Kafka is slow or away; beyond it new ones are dropped
     */
    public TelemetrySender(Producer<byte[], byte[]> producer, Duration interval, int capacity) {
        this.producer = producer;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::run, "telemetry-sender");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues one record; never blocks. */
    public <K, V> void send(Topic<K, V> topic, K key, V value, Headers headers) {
        if (closing || !queue.offer(new Event<>(topic, key, value, headers))) {
            dropped.incrementAndGet();
        }
    }

    /** When Kafka last acknowledged a telemetry record (epoch millis; 0 if never). */
    public long lastAckAt() {
        return lastAckAt;
    }

    /** Events dropped because the queue was full or the sender closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Events Kafka did not accept. */
    public long failed() {
        return failed.get();
    }

    /** Events waiting to be sent. */
    public int queued() {
        return queue.size();
    }

    private void run() {
        List<Event<?, ?>> batch = new ArrayList<>();
        while (!closing) {
            // Woken by time, not by each event: a wake-up per request would cost more than the send.
            LockSupport.parkNanos(intervalNanos);
            sendQueued(batch);
        }
        sendQueued(batch);
    }

    private void sendQueued(List<Event<?, ?>> batch) {
        while (queue.drainTo(batch, MAX_BATCH) > 0) {
            for (Event<?, ?> event : batch) {
                try {
                    producer.send(event.record(), (metadata, error) -> {
                        if (error == null) {
                            lastAckAt = System.currentTimeMillis();
                        } else {
                            failed.incrementAndGet();
                            warn("Kafka did not accept a telemetry record: " + error.getMessage());
                        }
                    });
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    warn("Could not send a telemetry record: " + e.getMessage());
                }
            }
            batch.clear();
            warnAboutDrops();
        }
    }

    private void warnAboutDrops() {
        long drops = dropped.get();
        if (drops > reportedDrops) {
            warn((drops - reportedDrops) + " telemetry record(s) dropped: the queue was full");
            reportedDrops = drops;
        }
    }

    /** At most one warning per 10 s: while Kafka is away every request would log one. */
    private synchronized void warn(String message) {
        long now = System.currentTimeMillis();
        if (now - lastWarnAt >= WARN_EVERY_MILLIS) {
            lastWarnAt = now;
            log.warn("{} (further telemetry warnings within 10 s are not logged; see "
                    + "llmcache.telemetry.failed and llmcache.telemetry.dropped)", message);
        }
    }

    /** Sends what is queued, waits for Kafka's acknowledgments up to {@code timeout}, closes the producer. */
    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(5));
    }

    void close(Duration timeout) throws InterruptedException {
        closing = true;
        LockSupport.unpark(thread);
        thread.join(timeout.toMillis());
        producer.close(Duration.ofNanos(Math.max(0, timeout.toNanos())));
        int left = queue.size();
        if (left > 0) {
            dropped.addAndGet(left);
            log.warn("{} telemetry record(s) not sent before shutdown", left);
        }
    }
}
