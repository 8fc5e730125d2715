package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import dev.llmcache.common.trace.RequestTracing;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/** X-Request-ID and the client's W3C trace travel with the query through every Kafka hop. */
class TracingTest extends PipelineTestBase {

    @Test
    void everyHopCarriesTheRequestIdAndTheClientsTrace() {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String requestId = "trace-" + UUID.randomUUID();

        chat(uniquePrompt("tracing"), "X-Request-ID", requestId, "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");

        Map<String, String> traceByTopic = new HashMap<>();
        List<String> topics = List.of("llmcache.queries", "llmcache.llm-requests", "llmcache.llm-responses",
                "llmcache.answers", "llmcache.cache-events", "llmcache.latency-metrics");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                KafkaFixture.consumerConfig("tracing-test-" + UUID.randomUUID()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (traceByTopic.size() < topics.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (requestId.equals(RequestTracing.header(record.headers(), RequestTracing.REQUEST_ID_HEADER))) {
                        String traceparent = RequestTracing.header(record.headers(), "traceparent");
                        traceByTopic.merge(record.topic(), traceparent == null ? "none" : traceparent,
                                (a, b) -> a);
                    }
                }
            }
        }

        assertThat(traceByTopic).containsOnlyKeys(topics);
        // The metric topics carry only the request id; the data plane carries the trace too.
        topics.subList(0, 4).forEach(topic -> assertThat(traceByTopic.get(topic)).as(topic)
                .startsWith("00-" + traceId + "-"));
    }
}
