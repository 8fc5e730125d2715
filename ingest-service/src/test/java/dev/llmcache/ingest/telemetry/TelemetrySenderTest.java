package dev.llmcache.ingest.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/**
 * The telemetry sender's contract with the requests that feed it: one Kafka record per event, in
 * the order they came, never a blocked or failed caller, and what it could not send counted.
 */
class TelemetrySenderTest {

    private static final Topic<String, String> EVENTS = new Topic<>("t.events", Serdes.String(), Serdes.String(),
            false, "delete", -1);

    @Test
    void everyEventBecomesOneRecordInTheOrderItWasQueued() throws Exception {
        MockProducer<byte[], byte[]> kafka = producer(true);
        TelemetrySender sender = new TelemetrySender(kafka, Duration.ofMillis(5), 1_000);
        for (int i = 0; i < 100; i++) {
            sender.send(EVENTS, "key-" + i, "event-" + i, new RecordHeaders());
        }

        eventually(() -> kafka.history().size() == 100);
        List<ProducerRecord<byte[], byte[]>> sent = kafka.history();
        assertThat(sent).extracting(record -> new String(record.value())).startsWith("event-0", "event-1")
                .endsWith("event-99").doesNotHaveDuplicates();
        assertThat(sent).allSatisfy(record -> assertThat(record.topic()).isEqualTo("t.events"));
        assertThat(sender.lastAckAt()).isPositive();
        assertThat(sender.dropped()).isZero();
        sender.close();
    }

    @Test
    void whenKafkaStopsTakingRecordsTheQueueFillsAndFurtherEventsAreDroppedWithoutBlockingTheCaller()
            throws Exception {
        CountDownLatch kafkaBack = new CountDownLatch(1);
        // A producer whose send blocks, as send() does while Kafka's metadata or buffer is unavailable.
        MockProducer<byte[], byte[]> stuck = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
                try {
                    kafkaBack.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(record, callback);
            }
        };
        TelemetrySender sender = new TelemetrySender(stuck, Duration.ofMillis(5), 10);
        long started = System.nanoTime();
        for (int i = 0; i < 1_000; i++) {
            sender.send(EVENTS, "k", "event-" + i, new RecordHeaders());
        }

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        // At most the queue's capacity plus the batch the sender thread already took are kept.
        assertThat(sender.dropped()).isGreaterThanOrEqualTo(1_000 - 20);
        kafkaBack.countDown();
        eventually(() -> stuck.history().size() + sender.dropped() == 1_000);
        sender.close();
    }

    @Test
    void recordsKafkaRefusesAreCountedAsFailed() throws Exception {
        MockProducer<byte[], byte[]> refusing = producer(false);
        TelemetrySender sender = new TelemetrySender(refusing, Duration.ofMillis(5), 100);
        sender.send(EVENTS, "k", "event", new RecordHeaders());
        eventually(() -> refusing.history().size() == 1);

        refusing.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker away"));

        assertThat(sender.failed()).isEqualTo(1);
        assertThat(sender.lastAckAt()).isZero();
        sender.close();
    }

    @Test
    void closingSendsWhatIsStillQueued() throws Exception {
        MockProducer<byte[], byte[]> kafka = producer(true);
        // An interval far longer than the test: only close() can send the events.
        TelemetrySender sender = new TelemetrySender(kafka, Duration.ofHours(1), 100);
        sender.send(EVENTS, "k", "a", new RecordHeaders());
        sender.send(EVENTS, "k", "b", new RecordHeaders());

        sender.close();

        assertThat(kafka.history()).extracting(record -> new String(record.value())).containsExactly("a", "b");
        assertThat(sender.dropped()).isZero();
    }

    /** @param autoComplete whether Kafka acknowledges each record at once (else the test completes them) */
    private static MockProducer<byte[], byte[]> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 5 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
