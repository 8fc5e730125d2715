package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * After a known sequence of queries, the metric topics hold exactly one event of each kind per
 * query, valid against the shipped JSON Schemas, and the Prometheus counters moved by exactly as much.
 */
class TelemetryTest extends PipelineTestBase {

    private static final String MODEL = "gpt-4o";

    @Test
    void eventsAndCountersMatchAKnownSequenceExactly() throws Exception {
        String tenant = "telemetry-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Double> before = scrapeOutcomes();

        String cached = uniquePrompt("telemetry cached");
        send(cached, tenant);                              // MISS
        send(cached, tenant);                              // HIT
        send(cached, tenant);                              // HIT
        send(cached, tenant, "Cache-Control", "no-cache"); // BYPASS
        String shared = uniquePrompt("telemetry shared");
        // Slow enough that the joiners surely find the call still running.
        UPSTREAM.failWhenPromptContains(shared, Fault.SLOW);
        CompletableFuture<HttpResponse<String>> leader = sendAsync(shared, tenant);  // MISS
        awaitStreaming(shared);
        List<CompletableFuture<HttpResponse<String>>> joiners =
                List.of(sendAsync(shared, tenant), sendAsync(shared, tenant));        // COALESCED x2
        leader.join();
        joiners.forEach(CompletableFuture::join);
        String failing = uniquePrompt("telemetry failing");
        UPSTREAM.failWhenPromptContains(failing, Fault.HTTP_500);
        send(failing, tenant);                             // ERROR

        Map<String, Long> expected = Map.of("MISS", 2L, "HIT", 2L, "BYPASS", 1L, "COALESCED", 2L, "ERROR", 1L);
        List<JsonNode> events = readTopic("llmcache.cache-events", tenant, 8);
        List<JsonNode> latencies = readTopic("llmcache.latency-metrics", tenant, 8);

        assertThat(countBy(events, e -> e.path("outcome").asString())).isEqualTo(expected);
        assertThat(countBy(latencies, e -> e.path("outcome").asString())).isEqualTo(expected);
        assertThat(events.stream().map(e -> e.path("requestId").asString()).distinct()).hasSize(8);
        assertThat(latencies.stream().map(e -> e.path("requestId").asString()).distinct()).hasSize(8);
        assertValid("cache-event", events);
        assertValid("latency-metric", latencies);
        assertThat(events).filteredOn(e -> e.path("outcome").asString().equals("HIT"))
                .allSatisfy(e -> assertThat(e.path("tier").asString()).as("an edge tier or the store").isIn("MEMORY", "STATE_STORE"));
        assertThat(latencies).filteredOn(e -> e.path("outcome").asString().equals("HIT"))
                .allSatisfy(e -> {
                    assertThat(e.path("savedMillis").asLong()).isPositive();
                    assertThat(e.path("savedCostUsd").asDouble()).isPositive();
                    assertThat(e.path("costUsd").asDouble()).isZero();
                });
        assertThat(latencies).filteredOn(e -> e.path("outcome").asString().equals("MISS"))
                .allSatisfy(e -> {
                    assertThat(e.path("llmMillis").asLong()).isPositive();
                    assertThat(e.path("costUsd").asDouble()).isPositive();
                    assertThat(e.path("queueMillis").isNumber()).isTrue();
                });
        assertThat(events).filteredOn(e -> e.path("outcome").asString().equals("ERROR")).singleElement()
                .satisfies(e -> assertThat(e.path("errorStatus").asInt()).isEqualTo(502));

        Map<String, Double> after = scrapeOutcomes();
        expected.forEach((outcome, count) -> assertThat(after.getOrDefault(outcome, 0.0)
                - before.getOrDefault(outcome, 0.0)).as(outcome).isEqualTo(count.doubleValue()));
    }

    @Test
    void replayedRequestsAreMarkedOnTheMetricTopicsAndInPrometheusAndLiveOnesAreNot() throws Exception {
        String tenant = "origin-" + UUID.randomUUID().toString().substring(0, 8);
        String prompt = uniquePrompt("telemetry origin");
        double before = scrapeReplays();

        send(prompt, tenant, "X-Llmcache-Origin", "replay");
        send(prompt, tenant);

        List<JsonNode> events = readTopic("llmcache.cache-events", tenant, 2);
        List<JsonNode> latencies = readTopic("llmcache.latency-metrics", tenant, 2);
        assertThat(events).extracting(e -> e.path("origin").asString()).containsExactlyInAnyOrder("replay", "live");
        assertThat(latencies).extracting(e -> e.path("origin").asString()).containsExactlyInAnyOrder("replay", "live");
        assertValid("cache-event", events);
        assertValid("latency-metric", latencies);
        assertThat(scrapeReplays() - before).isEqualTo(1.0);
    }

    @Test
    void anUnknownOriginIsRefusedWithA400() {
        HttpResponse<String> response = post("/v1/chat/completions", body(uniquePrompt("origin"), false),
                "X-Llmcache-Origin", "robot");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("X-Llmcache-Origin");
    }

    /** {@code llmcache_cache_requests_total} of this test's model with origin "replay", all outcomes. */
    private double scrapeReplays() throws IOException, InterruptedException {
        String text = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return text.lines()
                .filter(line -> line.startsWith("llmcache_cache_requests_total{") && line.contains("model=\"" + MODEL + "\"")
                        && line.contains("origin=\"replay\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private void send(String prompt, String tenant, String... headers) {
        List<String> all = new ArrayList<>(List.of("X-Tenant-ID", tenant));
        all.addAll(List.of(headers));
        post("/v1/chat/completions", body(prompt, false), all.toArray(String[]::new));
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(String prompt, String tenant) {
        return HTTP.sendAsync(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Tenant-ID", tenant)
                .POST(HttpRequest.BodyPublishers.ofString(body(prompt, true))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(String prompt, boolean stream) {
        return chatBody(prompt, stream).replace("gpt-4o-mini", MODEL);
    }

    /** Waits until the upstream is streaming the answer, so that identical queries join it. */
    private static void awaitStreaming(String prompt) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (UPSTREAM.requestsContaining(prompt) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
    }

    private static void assertValid(String schemaName, List<JsonNode> events) throws IOException {
        try (InputStream in = TelemetryTest.class.getResourceAsStream("/schemas/" + schemaName + ".schema.json")) {
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
            for (JsonNode event : events) {
                assertThat(schema.validate(event)).as(schemaName + " " + event).isEmpty();
            }
        }
    }

    private static Map<String, Long> countBy(List<JsonNode> events, Function<JsonNode, String> key) {
        return events.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
    }

    /** {@code llmcache_cache_requests_total} of this test's model, by outcome. */
    private Map<String, Double> scrapeOutcomes() throws IOException, InterruptedException {
        String text = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return text.lines()
                .filter(line -> line.startsWith("llmcache_cache_requests_total{") && line.contains("model=\"" + MODEL + "\""))
                .collect(Collectors.toMap(
                        line -> line.replaceAll(".*outcome=\"([A-Z_]+)\".*", "$1"),
                        line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                        Double::sum));
    }
}
