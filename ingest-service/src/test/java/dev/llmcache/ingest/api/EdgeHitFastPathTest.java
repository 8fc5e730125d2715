package dev.llmcache.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.kafka.KafkaReachability;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.llm.PriceTable;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.app.IngestProperties;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.ApiKeys;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.edge.EdgeCache;
import dev.llmcache.ingest.edge.MemoryTier;
import dev.llmcache.ingest.limits.LocalBuckets;
import dev.llmcache.ingest.limits.RateLimiter;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.ingest.reply.KafkaOutage;
import dev.llmcache.ingest.reply.PendingReplies;
import dev.llmcache.ingest.telemetry.QueryTelemetry;
import dev.llmcache.ingest.telemetry.TelemetrySender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.codec.ServerSentEventHttpMessageWriter;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.HttpHandlerConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import reactor.core.publisher.Flux;

/**
 * The fast path answers a clean memory hit itself, with the bytes and headers WebFlux's path
 * would send and the same one cache event; everything else it hands to WebFlux with the body it
 * read, so that WebFlux's path answers it as before.
 */
class EdgeHitFastPathTest {

    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_BODY =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final LlmProperties LLM = new LlmProperties("simulated", null, null, List.of("gpt-4o-mini"), null,
            null, null, null, null, null, null, 0);
    private static final long MAX_BODY = 1 << 20;

    private final MemoryTier memory = new MemoryTier(1 << 20, Clock.systemUTC());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicInteger handedOn = new AtomicInteger();
    /** For each request WebFlux saw: how far the fast path had taken it. */
    private final List<String> begun = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final TelemetrySender telemetry = new TelemetrySender(new MockProducer<>(true, null,
            new ByteArraySerializer(), new ByteArraySerializer()), Duration.ofMillis(20), 100);
    private KafkaOutage outage;
    private QueryGateway gateway;
    private HttpHandler webFlux;

    @AfterEach
    void close() throws InterruptedException {
        telemetry.close();
    }

    @Test
    void aHitInMemoryIsAnsweredWithoutWebFluxAndCountedOnce() {
        WebTestClient client = fastPath(openAccess());
        remember(BODY, "Hello!");

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Cache", "HIT")
                .expectHeader().valueEquals("X-Cache-Tier", "memory")
                .expectHeader().valueEquals("X-Cache-Key", keyOf(BODY))
                .expectBody().jsonPath("$.choices[0].message.content").isEqualTo("Hello!");

        assertThat(handedOn).as("requests WebFlux saw").hasValue(0);
        assertThat(gateway.liveRequests()).isEqualTo(1);
        assertThat(meters.get("llmcache.cache.requests").tag("outcome", "HIT").tag("tier", "MEMORY").counter()
                .count()).isEqualTo(1);
    }

    @Test
    void aHitIsTheSameResponseWebFluxWouldSend() {
        ApiAccessFilter access = openAccess();
        WebTestClient fast = fastPath(access);
        WebTestClient plain = WebTestClient.bindToServer(new HttpHandlerConnector(webFlux)).build();
        remember(BODY, "Hello!\nSecond line, \"quoted\" é 🦀");

        for (String body : List.of(BODY, STREAM_BODY)) {
            EntityExchangeResult<byte[]> fromFastPath = ask(fast, body, "same-id");
            EntityExchangeResult<byte[]> fromWebFlux = ask(plain, body, "same-id");

            assertThat(normalized(fromFastPath)).isEqualTo(normalized(fromWebFlux));
            for (String header : List.of("X-Request-ID", "X-Cache", "X-Cache-Key", "X-Cache-Tier", "Content-Type")) {
                assertThat(fromFastPath.getResponseHeaders().get(header)).as(header)
                        .isEqualTo(fromWebFlux.getResponseHeaders().get(header));
            }
        }
        assertThat(handedOn).as("only the requests sent to WebFlux directly").hasValue(2);
    }

    @Test
    void aChunkedBodyIsReadToo() {
        WebTestClient client = fastPath(openAccess());
        remember(BODY, "Hello!");

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .body(Flux.just(BODY.substring(0, 10), BODY.substring(10)), String.class)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Cache-Tier", "memory");
        assertThat(handedOn).hasValue(0);
    }

    @Test
    void aMissGoesOnToWebFluxWithTheBodyItRead() {
        WebTestClient client = fastPath(openAccess());
        // Kafka away: WebFlux's path refuses the miss at once, after reading and parsing its body.
        outage.accept(new KafkaReachability.State(true, false, 0, System.currentTimeMillis() - 60_000));

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectBody().jsonPath("$.error.code").isEqualTo("kafka_unavailable");
        assertThat(handedOn).hasValue(1);
        assertThat(begun).as("WebFlux's path does not look it up again").containsExactly("missed");
        assertThat(gateway.liveRequests()).as("counted once, by the fast path").isEqualTo(1);
    }

    @Test
    void anInvalidBodyGetsWebFluxsError() {
        WebTestClient client = fastPath(openAccess());

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"model\":")
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.type").isEqualTo("invalid_request_error");
        assertThat(handedOn).hasValue(1);
        assertThat(begun).containsExactly("unparsed");
        assertThat(gateway.liveRequests()).isEqualTo(1);
    }

    @Test
    void aChunkedBodyOverTheLimitGets413InTheApiShape() {
        WebTestClient client = fastPath(openAccess());
        String half = "x".repeat((int) MAX_BODY / 2 + 1);

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .body(Flux.just(half, half), String.class)
                .exchange()
                .expectStatus().isEqualTo(413)
                .expectBody().jsonPath("$.error.code").isEqualTo("request_too_large");
        assertThat(handedOn).hasValue(0);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsLeftToWebFlux() {
        WebTestClient client = fastPath(openAccess());

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("x".repeat((int) MAX_BODY + 1))
                .exchange()
                .expectStatus().isEqualTo(413);
        assertThat(handedOn).hasValue(1);
    }

    @Test
    void aHitTakesFromTheBudgetAndARefusalIsWebFluxs429() {
        RateLimiter limiter = new RateLimiter(new IngestProperties.RateLimits(1, 0, 1.0, null, false),
                new LocalBuckets());
        WebTestClient client = fastPath(new ApiAccessFilter(new ApiKeys(List.of()), limiter, "default"));
        remember(BODY, "Hello!");

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-RateLimit-Limit", "1")
                .expectHeader().valueEquals("X-RateLimit-Remaining", "0");
        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.error.code").isEqualTo("rate_limit_exceeded");
        assertThat(handedOn).hasValue(1);
        assertThat(begun).as("refused before its body was read; WebFlux's path answers with that admission")
                .containsExactly("refused");
    }

    @Test
    void aHitTheTokenBudgetRefusesGetsThe429ItWouldGetFromWebFlux() {
        RateLimiter limiter = new RateLimiter(new IngestProperties.RateLimits(0, 5, 1.0, null, false),
                new LocalBuckets());
        ApiAccessFilter access = new ApiAccessFilter(new ApiKeys(List.of()), limiter, "default");
        WebTestClient fast = fastPath(access);
        WebTestClient plain = WebTestClient.bindToServer(new HttpHandlerConnector(webFlux)).build();
        remember(BODY, "Hello!");

        for (WebTestClient client : List.of(fast, plain)) {
            client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                    .exchange()
                    .expectStatus().isEqualTo(429)
                    // The body alone is over the budget: waiting will not help.
                    .expectHeader().doesNotExist("Retry-After")
                    .expectBody().jsonPath("$.error.code").isEqualTo("rate_limit_exceeded");
        }
        assertThat(handedOn).as("only the request sent to WebFlux directly").hasValue(1);
        assertThat(gateway.liveRequests()).as("live traffic, on either path").isEqualTo(2);
    }

    @Test
    void aRequestWithoutAValidKeyGetsWebFluxs401() {
        IngestProperties.ApiKey key = new IngestProperties.ApiKey("a", "0".repeat(64), "team-a", null, false);
        WebTestClient client = fastPath(new ApiAccessFilter(new ApiKeys(List.of(key)),
                new RateLimiter(new IngestProperties.RateLimits(0, 0, 1.0, null, false), new LocalBuckets()),
                "default"));

        client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(BODY)
                .header("Authorization", "Bearer wrong")
                .exchange()
                .expectStatus().isUnauthorized();
        assertThat(handedOn).hasValue(1);
    }

    @Test
    void otherRoutesAndTypesAreLeftToWebFlux() {
        WebTestClient client = fastPath(openAccess());
        remember(BODY, "Hello!");

        client.get().uri("/v1/models").exchange().expectStatus().isOk();
        client.post().uri("/v1/chat/completions").contentType(MediaType.TEXT_PLAIN).bodyValue(BODY)
                .exchange().expectStatus().isEqualTo(415);
        assertThat(handedOn).hasValue(2);
        assertThat(EdgeHitFastPath.isJson("application/json; charset=utf-8")).isTrue();
        assertThat(EdgeHitFastPath.isJson("Application/JSON")).isTrue();
        assertThat(EdgeHitFastPath.isJson("application/jsonl")).isFalse();
        assertThat(EdgeHitFastPath.isJson("application/json; charset=bogus")).as("WebFlux's path says 415").isFalse();
        assertThat(EdgeHitFastPath.isJson("application/json xyz")).isFalse();
    }

    @Test
    void itsEventsAreEncodedAsSpringEncodesThem() {
        List<ServerSentEvent<String>> events = List.of(ServerSentEvent.builder("{\"a\":1}").build(),
                ServerSentEvent.builder("two\nlines é").build(), ServerSentEvent.builder("[DONE]").build());
        MockServerHttpResponse spring = new MockServerHttpResponse();
        new ServerSentEventHttpMessageWriter().write(Flux.fromIterable(events),
                org.springframework.core.ResolvableType.forClassWithGenerics(ServerSentEvent.class, String.class),
                MediaType.TEXT_EVENT_STREAM, spring, Map.of()).block();

        assertThat(new String(EdgeHitFastPath.encode(events), StandardCharsets.UTF_8))
                .isEqualTo(spring.getBodyAsString().block());
    }

    private WebTestClient fastPath(ApiAccessFilter access) {
        PendingReplies pending = new PendingReplies(10);
        outage = new KafkaOutage(pending, Duration.ofSeconds(5), Clock.systemUTC(), () -> 0L);
        KafkaPublisher publisher = new KafkaPublisher(new KafkaTemplate<>(new MockProducerFactory<>(() ->
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()))), 10,
                Duration.ofSeconds(1));
        gateway = new QueryGateway(new ChatRequestParser(new ModelCatalog(LLM), "default", null), pending,
                () -> new ReplyRoute("answers", ReplyRoute.ANY_PARTITION), publisher, new Topics("t.").queries(),
                new QueryTelemetry(telemetry, new Topics("t."), new PriceTable(Map.of()), meters),
                RequestTracing.requestIdOnly(), MAX_BODY, Duration.ofSeconds(30), outage,
                new EdgeCache(memory, Clock.systemUTC()));
        HttpHandler routes = RouterFunctions.toHttpHandler(ApiRoutes.of(gateway, new ModelCatalog(LLM), access));
        webFlux = (request, response) -> {
            handedOn.incrementAndGet();
            begun.add(stage(ReadAhead.of(request)));
            return routes.handle(request, response);
        };
        return WebTestClient.bindToServer(new HttpHandlerConnector(
                new EdgeHitFastPath(webFlux, gateway, access, MAX_BODY, 16_384))).build();
    }

    private static String stage(ReadAhead ahead) {
        return ahead == null ? "not begun" : !ahead.admission().granted() ? "refused"
                : ahead.query() == null ? "unparsed" : "missed";
    }

    private static ApiAccessFilter openAccess() {
        return new ApiAccessFilter(new ApiKeys(List.of()),
                new RateLimiter(new IngestProperties.RateLimits(0, 0, 1.0, null, false), new LocalBuckets()),
                "default");
    }

    private void remember(String body, String content) {
        long now = System.currentTimeMillis();
        memory.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, keyOf(body), "default", "gpt-4o-mini", content,
                "stop", Usage.of(1, 2), now - 1_000, now + 60_000, 100, null));
    }

    private String keyOf(String body) {
        return gateway.parser().parse(body.getBytes(StandardCharsets.UTF_8), new HttpHeaders(), Caller.OPEN)
                .cacheKey();
    }

    private static EntityExchangeResult<byte[]> ask(WebTestClient client, String body, String requestId) {
        return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .header(RequestTracing.REQUEST_ID_HEADER, requestId).bodyValue(body)
                .exchange().expectStatus().isOk().expectBody().returnResult();
    }

    /** The body with its {@code created} second left out: the two answers may fall in different seconds. */
    private static String normalized(EntityExchangeResult<byte[]> result) {
        return new String(result.getResponseBodyContent(), StandardCharsets.UTF_8)
                .replaceAll("\"created\":\\d+", "\"created\":0");
    }
}
