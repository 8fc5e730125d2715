package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The whole product in one JVM, as users run it, against a real Kafka broker and a real
 * OpenAI-compatible HTTP upstream (the simulated LLM server) on loopback. One Spring context is
 * shared by every test class; each test uses its own prompts, so tests never share a cache key.
 */
@SpringBootTest(classes = StandaloneApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class PipelineTestBase {

    /** Fast enough for a quick suite, slow enough that a stream is still running when others join. */
    static final FaultyUpstream UPSTREAM = FaultyUpstream.start(Duration.ofMillis(150), 100);

    static final String ADMIN_KEY = "test-admin-key";

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void pipeline(DynamicPropertyRegistry registry) throws IOException {
        String stateDir = Files.createTempDirectory("llmcache-test-state").toString();
        String analyticsDir = Files.createTempDirectory("llmcache-test-analytics").toString();
        // Only spring.kafka.* tells the product how to reach the (secured) broker.
        KafkaFixture.springProperties(KafkaFixture.PASSWORD).forEach((key, value) -> registry.add(key, () -> value));
        registry.add("llmcache.kafka.partitions", () -> 3);
        registry.add("llmcache.processor.state-dir", () -> stateDir);
        registry.add("llmcache.analytics.state-dir", () -> analyticsDir);
        // Short windows, so that aggregates and the dashboard show data within a test.
        registry.add("llmcache.analytics.window", () -> "5s");
        registry.add("llmcache.analytics.grace", () -> "2s");
        registry.add("llmcache.llm.provider", () -> "openai");
        registry.add("llmcache.llm.base-url", UPSTREAM::baseUrl);
        registry.add("llmcache.llm.timeouts.first-token", () -> "2s");
        registry.add("llmcache.llm.timeouts.idle", () -> "2s");
        registry.add("llmcache.admin.api-key", () -> ADMIN_KEY);
        // Many tests make the one upstream fail on purpose: its circuit must not open for the others.
        registry.add("llmcache.llm.circuit-breaker.minimum-calls", () -> 1_000);
        registry.add("llmcache.llm.circuit-breaker.window", () -> 1_000);
        registry.add("llmcache.ingest.max-body-size", () -> "64KB");
        // Small chunks and files, so that tests cross chunk boundaries and reach the size limit.
        registry.add("llmcache.ingest.batch.chunk-size", () -> "16KB");
        registry.add("llmcache.ingest.batch.max-file-size", () -> "1MB");
        // The inputs of one embeddings request reach the worker one by one; on a loaded test machine
        // they can be further apart than the default window, and the tests count upstream requests.
        registry.add("llmcache.processor.embeddings.batch-window", () -> "150ms");
        // The semantic cache's first lookup must not wait for the in-process model to load.
        registry.add("llmcache.processor.embeddings.warm-up", () -> "true");
        // The tests check what matches, not how fast: on a loaded machine a lookup may take longer
        // than the production deadline, which turns it into an ordinary miss.
        registry.add("llmcache.processor.semantic.lookup-timeout", () -> "5s");
    }

    @AfterEach
    void clearFaults() {
        UPSTREAM.clearFaults();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A prompt no other test uses. */
    static String uniquePrompt(String topic) {
        return topic + " " + UUID.randomUUID();
    }

    static String chatBody(String prompt, boolean stream) {
        return "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends the streaming requests all at once and reads each client's answer stream. */
    static List<SseStream> streams(List<HttpRequest> requests) {
        return requests.stream()
                .map(request -> HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> SseStream.parse(r.headers().firstValue("X-Cache").orElse("?"), r.body())))
                .toList().stream().map(CompletableFuture::join).toList();
    }

    /** One upstream call for {@code prompt}, and every client received the same complete answer. */
    static void assertOneCallSharedByAll(String prompt, List<SseStream> streams) {
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
        assertThat(streams).allSatisfy(s -> assertThat(s.done()).isTrue());
        assertThat(streams.stream().map(SseStream::text).distinct()).singleElement()
                .satisfies(text -> assertThat(text).startsWith("Simulated answer"));
    }

    /**
     * The JSON records of {@code topic} (read from its beginning) whose {@code tenant} field is
     * {@code tenant}: waits for {@code expected} of them, then a moment more, so that a record
     * beyond the expected count (a duplicate) is seen too.
     */
    static List<JsonNode> readTopic(String topic, String tenant, int expected) {
        List<JsonNode> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                KafkaFixture.consumerConfig("test-reader-" + UUID.randomUUID()),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (found.size() < expected && System.nanoTime() < deadline) {
                collect(consumer.poll(Duration.ofMillis(200)), tenant, found);
            }
            collect(consumer.poll(Duration.ofMillis(500)), tenant, found);
        }
        return found;
    }

    private static void collect(ConsumerRecords<String, String> records, String tenant, List<JsonNode> found) {
        for (ConsumerRecord<String, String> record : records) {
            JsonNode event = Json.MAPPER.readTree(record.value());
            if (tenant.equals(event.path("tenant").asString())) {
                found.add(event);
            }
        }
    }

    /** The {@code X-Cache-Tier} of a response: {@code memory}, {@code redis}, {@code store}, or empty. */
    static String tier(HttpResponse<String> response) {
        return response.headers().firstValue("X-Cache-Tier").orElse("");
    }

    /**
     * Asks until an answer comes from {@code tier} (an entry reaches the edge tiers within moments
     * of being created); returns every answer it got, the last one from that tier.
     */
    static List<HttpResponse<String>> untilTier(Supplier<HttpResponse<String>> ask, String tier, Duration within) {
        List<HttpResponse<String>> answers = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = ask.get();
            assertThat(answer.statusCode()).isEqualTo(200);
            answers.add(answer);
            if (tier.equals(tier(answer))) {
                return answers;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("No answer from the " + tier + " tier within " + within);
    }

    HttpResponse<String> chat(String prompt, String... headers) {
        return post("/v1/chat/completions", chatBody(prompt, false), headers);
    }
}
