package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A client that goes away ends its request at once: recorded as cancelled, its slot and id freed. */
class ClientDisconnectTest extends PipelineTestBase {

    @Test
    void aClientThatLeavesMidStreamIsRecordedAsCancelledWithinSecondsAndItsIdCanBeReused() throws Exception {
        String prompt = uniquePrompt("leaver");
        String requestId = "leaver-" + UUID.randomUUID();
        UPSTREAM.failWhenPromptContains(prompt, Fault.SLOW);
        HttpResponse<InputStream> leaving = HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .header("X-Request-ID", requestId)
                        .POST(HttpRequest.BodyPublishers.ofString(chatBody(prompt, true))).build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
        try (InputStream body = leaving.body()) {
            assertThat(body.read()).as("the stream has started").isNotNegative();
        }

        JsonNode event = awaitCacheEvent(requestId, Duration.ofSeconds(10));

        assertThat(event).as("a cache event for the request, well before the request timeout").isNotNull();
        assertThat(event.path("outcome").asString()).isEqualTo("ERROR");
        assertThat(event.path("errorCode").asString()).isEqualTo("client_cancelled");
        assertThat(chat(uniquePrompt("reuse"), "X-Request-ID", requestId).statusCode())
                .as("the id is free again").isEqualTo(200);
    }

    private static JsonNode awaitCacheEvent(String requestId, Duration within) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                KafkaFixture.consumerConfig("disconnect-test-" + UUID.randomUUID()),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("llmcache.cache-events"));
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode event = Json.MAPPER.readTree(record.value());
                    if (requestId.equals(event.path("requestId").asString())) {
                        return event;
                    }
                }
            }
            return null;
        }
    }
}
