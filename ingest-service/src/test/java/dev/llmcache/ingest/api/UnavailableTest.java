package dev.llmcache.ingest.api;

import dev.llmcache.ingest.app.IngestProperties;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.ApiKeys;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.limits.LocalBuckets;
import dev.llmcache.ingest.limits.RateLimiter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.llm.PriceTable;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.common.kafka.KafkaReachability;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.Usage;
import dev.llmcache.ingest.edge.EdgeCache;
import dev.llmcache.ingest.edge.MemoryTier;
import dev.llmcache.ingest.reply.KafkaOutage;
import dev.llmcache.ingest.reply.PendingReplies;
import dev.llmcache.ingest.telemetry.QueryTelemetry;
import dev.llmcache.ingest.telemetry.TelemetrySender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Overload and an unreachable Kafka are 503 with Retry-After, in the OpenAI error shape; what the
 * edge has is answered all the same.
 */
class UnavailableTest {

    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final ReplyRoute ROUTE = new ReplyRoute("answers", ReplyRoute.ANY_PARTITION);
    private static final Duration GRACE = Duration.ofSeconds(5);

    private KafkaPublisher publisher;
    private TelemetrySender telemetry;
    private KafkaOutage outage;
    private volatile long lastKafkaActivity;
    private final MemoryTier memory = new MemoryTier(1 << 20, Clock.systemUTC());

    @AfterEach
    void close() throws Exception {
        publisher.close();
        telemetry.close();
    }

    @Test
    void aFullInstanceAnswers503WithRetryAfter() throws IOException {
        WebTestClient client = client(new PendingReplies(0), unreachableKafka());

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().valueEquals("Retry-After", "1")
                .expectBody().jsonPath("$.error.type").isEqualTo("server_error")
                .jsonPath("$.error.message").value(m -> assertThat(m.toString()).contains("limit"));
    }

    @Test
    void anUnreachableKafkaAnswers503InsteadOfHanging() throws IOException {
        PendingReplies pending = new PendingReplies(10);
        WebTestClient client = client(pending, unreachableKafka());

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.error.message").value(m -> assertThat(m.toString()).contains("Kafka"));
        assertThat(pending.size()).isZero();
    }

    @Test
    void aKafkaThatDoesNotAcknowledgeAnswers503WithinThePublishDeadline() throws IOException {
        PendingReplies pending = new PendingReplies(10);
        // Sends that Kafka never acknowledges, as while its brokers are away.
        MockProducer<byte[], byte[]> stuck = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        WebTestClient client = client(pending, new KafkaPublisher(
                new KafkaTemplate<>(new MockProducerFactory<>(() -> stuck)), 100, Duration.ofMillis(500)));
        long start = System.nanoTime();

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.error.message").value(m -> assertThat(m.toString()).contains("Kafka"));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(pending.size()).isZero();
    }

    @Test
    void onceKafkaHasBeenAwayForTheGraceWaitingRequestsEndWith503AndNewOnesAreRefusedUntilItIsBack() throws IOException {
        PendingReplies pending = new PendingReplies(10);
        // Kafka took the query, then went away: its answers cannot arrive.
        MockProducer<byte[], byte[]> accepting = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        WebTestClient client = client(pending, new KafkaPublisher(
                new KafkaTemplate<>(new MockProducerFactory<>(() -> accepting)), 100, Duration.ofSeconds(3)));
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> client.post()
                .uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange().expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.error.code").isEqualTo("kafka_unavailable")
                .returnResult().getStatus().value());
        await().atMost(Duration.ofSeconds(10)).until(() -> pending.size() == 1);
        long now = System.currentTimeMillis();

        outage.accept(new KafkaReachability.State(true, false, 0, now - 1_000));
        assertThat(pending.size()).as("a short blip is ridden out").isEqualTo(1);
        lastKafkaActivity = now - 1_000;
        outage.accept(new KafkaReachability.State(true, false, 0, now - GRACE.toMillis()));
        assertThat(pending.size()).as("records arrived lately: only the probe is slow").isEqualTo(1);
        lastKafkaActivity = now - GRACE.toMillis();
        outage.accept(new KafkaReachability.State(true, false, 0, now - GRACE.toMillis()));

        assertThat(waiting.join()).isEqualTo(503);
        assertThat(pending.size()).isZero();
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectBody().jsonPath("$.error.code").isEqualTo("kafka_unavailable");
        assertThat(accepting.history()).as("refused without a publish").hasSize(1);

        outage.accept(new KafkaReachability.State(true, true, 1, System.currentTimeMillis()));
        assertThat(outage.ongoing()).isFalse();
    }

    @Test
    void aHitInThisInstancesMemoryIsAnsweredEvenWhileKafkaIsAway() throws IOException {
        PendingReplies pending = new PendingReplies(10);
        WebTestClient client = client(pending, unreachableKafka());
        outage.accept(new KafkaReachability.State(true, false, 0, System.currentTimeMillis() - 60_000));
        String key = new ChatRequestParser(new ModelCatalog(new LlmProperties("simulated", null, null,
                List.of("gpt-4o-mini"), null, null, null, null, null, null, null, 0)), "default", null)
                .parse(BODY.getBytes(), new org.springframework.http.HttpHeaders(), Caller.OPEN).cacheKey();
        long now = System.currentTimeMillis();
        memory.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, key, "default", "gpt-4o-mini", "Hello!", "stop",
                Usage.of(1, 2), now - 1_000, now + 60_000, 100, null));

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Cache", "HIT")
                .expectHeader().valueEquals("X-Cache-Tier", "memory")
                .expectBody().jsonPath("$.choices[0].message.content").isEqualTo("Hello!");
        assertThat(pending.size()).isZero();
    }

    private WebTestClient client(PendingReplies pending, KafkaPublisher kafka) throws IOException {
        publisher = kafka;
        telemetry = new TelemetrySender(new KafkaProducer<>(unreachableKafkaConfig(), new ByteArraySerializer(),
                new ByteArraySerializer()), Duration.ofMillis(20), 100);
        outage = new KafkaOutage(pending, GRACE, Clock.systemUTC(), () -> lastKafkaActivity);
        LlmProperties llm = new LlmProperties("simulated", null, null, List.of("gpt-4o-mini"), null, null,
                new LlmProperties.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(1)), new LlmProperties.Simulator(Duration.ZERO, 100), null, null, null, 0);
        QueryGateway gateway = new QueryGateway(new ChatRequestParser(new ModelCatalog(llm), "default", null),
                pending, () -> ROUTE, kafka, new Topics("t.").queries(),
                new QueryTelemetry(telemetry, new Topics("t."), new PriceTable(Map.of()), new SimpleMeterRegistry()),
                RequestTracing.requestIdOnly(), 1 << 20, Duration.ofSeconds(30), outage,
                new EdgeCache(memory, Clock.systemUTC()));
        ApiAccessFilter open = new ApiAccessFilter(new ApiKeys(List.of()),
                new RateLimiter(new IngestProperties.RateLimits(0, 0, 1, null, false), new LocalBuckets()), "default");
        return WebTestClient.bindToRouterFunction(ApiRoutes.of(gateway, new ModelCatalog(llm), open))
                .configureClient().responseTimeout(Duration.ofSeconds(20)).build();
    }

    /** A real producer pointed at a loopback port where no broker listens. */
    private static KafkaPublisher unreachableKafka() throws IOException {
        return new KafkaPublisher(new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(unreachableKafkaConfig(),
                new ByteArraySerializer(), new ByteArraySerializer())), 100, Duration.ofSeconds(3));
    }

    private static Map<String, Object> unreachableKafkaConfig() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
    }
}
