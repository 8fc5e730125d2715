package dev.llmcache.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Baseline: the raw Kafka produce-to-consume round trip on the product's own broker, with the
 * latency settings the pipeline uses (linger 0, acks all, fetch.min.bytes 1). A cache hit makes two
 * such trips (query in, answer out), so this bounds what the pipeline can reach.
 */
final class KafkaRoundTrip {

    private KafkaRoundTrip() {
    }

    static ScenarioResult measure(String bootstrapServers, int roundTrips) throws Exception {
        String topic = "llmcache-bench-roundtrip";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
        }
        ScenarioRecorder recorder = new ScenarioRecorder();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers,
                "linger.ms", 0, "acks", "all"), new StringSerializer(), new StringSerializer());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                     "fetch.min.bytes", 1, "enable.auto.commit", false), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            String payload = "x".repeat(600);
            for (int i = 0; i < roundTrips + 50; i++) {
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "k", payload));
                int received = 0;
                while (received == 0) {
                    received = consumer.poll(Duration.ofMillis(500)).count();
                }
                if (i >= 50) { // the first 50 warm up connections and the JIT
                    recorder.record(new RequestResult(start, 0, System.nanoTime(), 200, "KAFKA", null, null));
                }
            }
        }
        return recorder.result("baseline-kafka", "Raw Kafka produce-to-consume round trip on the same broker "
                + "(one at a time, 600-byte records)", Map.of("roundTrips", roundTrips));
    }
}
