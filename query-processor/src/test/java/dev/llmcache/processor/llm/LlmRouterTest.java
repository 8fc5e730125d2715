package dev.llmcache.processor.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The router over a real OpenAI-compatible upstream on loopback that fails half of its calls. */
class LlmRouterTest {

    private static final Duration OPEN_FOR = Duration.ofSeconds(1);
    private static final LlmProperties.Retry NO_RETRIES = new LlmProperties.Retry(1, Duration.ZERO, Duration.ZERO,
            Duration.ZERO);

    private final FaultyUpstream upstream = FaultyUpstream.start(Duration.ZERO, 1_000);
    /** Opens when 2 of the last 4 calls failed; lets 2 probe calls through after a second. */
    private final LlmRouter router = LlmRouter.fromProperties(new LlmProperties("openai", upstream.baseUrl(), null,
            List.of("m"), null, null, new LlmProperties.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(10)), null, null,
            new LlmProperties.CircuitBreaker(4, 4, 50, OPEN_FOR, 2), NO_RETRIES, 0), 10);
    private final CircuitBreaker breaker = router.breakers().circuitBreaker(LlmProperties.DEFAULT_PROVIDER);

    @Test
    void anEmbeddingItemIsEmbeddedUpstreamAndItsCallIsMeasured() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        LlmRouter measured = LlmRouter.fromProperties(new LlmProperties("openai", upstream.baseUrl(), null,
                List.of("m"), null, null, new LlmProperties.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
                        Duration.ofSeconds(5), Duration.ofSeconds(10)), null, null, null, NO_RETRIES, 0), 10,
                new dev.llmcache.processor.config.ProcessorProperties.Embeddings(Duration.ofMillis(1), 8, 0, false, 1),
                meters);
        var item = new dev.llmcache.common.embedding.EmbeddingItem("m",
                tools.jackson.databind.node.JsonNodeFactory.instance.stringNode("embed me"), 16);

        List<LlmStreamEvent> events = measured.stream("m", item.body()).collectList().block(Duration.ofSeconds(10));

        assertThat(events).hasSize(2);
        assertThat(dev.llmcache.common.embedding.Vectors.fromBase64(((LlmStreamEvent.Delta) events.get(0)).text()))
                .containsExactly(dev.llmcache.simulator.SimulatedEmbedding.of("embed me", 16));
        assertThat(upstream.embeddingCalls()).containsExactly(List.of("embed me"));
        assertThat(meters.get("llmcache.embeddings.upstream").tag("result", "success").timer().count()).isEqualTo(1);
        assertThat(meters.get("llmcache.embeddings.upstream.inputs").summary().totalAmount()).isEqualTo(1);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    @Test
    void aProviderFailingHalfItsCallsIsPausedAndResumesOnceItAnswersAgain() {
        for (int i = 0; i < 4; i++) {
            String prompt = "half " + i;
            if (i % 2 == 1) {
                upstream.failWhenPromptContains(prompt, Fault.HTTP_500);
                assertThatThrownBy(() -> call(prompt)).isInstanceOf(LlmCallException.class)
                        .satisfies(e -> assertThat(((LlmCallException) e).error().status()).isEqualTo(502));
            } else {
                assertThat(call(prompt)).isNotEmpty();
            }
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        assertThatThrownBy(() -> call("while open")).isInstanceOf(LlmCallException.class)
                .satisfies(e -> assertThat(((LlmCallException) e).error().status()).isEqualTo(503));
        assertThat(upstream.requestsContaining("while open")).as("failed fast, upstream not called").isZero();

        upstream.clearFaults();
        await().atMost(OPEN_FOR.multipliedBy(5)).until(() -> breaker.getState() == CircuitBreaker.State.HALF_OPEN);
        assertThat(call("probe 1")).isNotEmpty();
        assertThat(call("probe 2")).isNotEmpty();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void anUpstream429IsTriedAgainAfterTheWaitItAsksFor() {
        LlmRouter retrying = withRetries(new LlmProperties.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50),
                Duration.ofSeconds(5)));
        upstream.failFirstTimes("busy", Fault.HTTP_429, 1);
        long start = System.nanoTime();

        assertThat(call(retrying, "busy")).isNotEmpty();
        assertThat(upstream.requestsContaining("busy")).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited its Retry-After: 1")
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void aFailingUpstreamIsTriedUpToTheAttemptLimitWithBackoff() {
        LlmRouter retrying = withRetries(new LlmProperties.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50),
                Duration.ofSeconds(5)));
        upstream.failFirstTimes("flaky", Fault.HTTP_503, 2);
        upstream.failWhenPromptContains("down", Fault.HTTP_500);

        assertThat(call(retrying, "flaky")).isNotEmpty();
        assertThat(upstream.requestsContaining("flaky")).isEqualTo(3);
        assertThatThrownBy(() -> call(retrying, "down")).isInstanceOf(LlmCallException.class)
                .satisfies(e -> assertThat(((LlmCallException) e).error().status()).isEqualTo(502));
        assertThat(upstream.requestsContaining("down")).isEqualTo(3);
    }

    @Test
    void aCallIsNotRepeatedOnceTokensFlowedNorForTheRequestsOwnFaultNorForAnOverlongRetryAfter() {
        LlmRouter retrying = withRetries(new LlmProperties.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50),
                Duration.ofMillis(500)));
        upstream.failWhenPromptContains("cut", Fault.CUT_MID_STREAM);
        upstream.failWhenPromptContains("limited", Fault.HTTP_429);

        assertThatThrownBy(() -> call(retrying, "cut")).isNotNull();
        assertThat(upstream.requestsContaining("cut")).as("tokens had reached the client").isEqualTo(1);
        assertThatThrownBy(() -> retrying.stream("no-such-model", body("unknown")).blockLast(Duration.ofSeconds(5)))
                .isInstanceOf(LlmCallException.class);
        assertThatThrownBy(() -> call(retrying, "limited")).isInstanceOf(LlmCallException.class);
        assertThat(upstream.requestsContaining("limited")).as("asked to wait 1 s, longer than 500 ms").isEqualTo(1);
    }

    @Test
    void onlyPassingFailuresAreWorthAnotherAttempt() {
        assertThat(UpstreamRetry.retryable(new LlmCallException(OpenAiCompatibleClient.upstreamError(
                org.springframework.http.HttpStatusCode.valueOf(503), ""), null, true))).isTrue();
        assertThat(UpstreamRetry.retryable(new java.io.IOException("connection reset"))).isTrue();
        assertThat(UpstreamRetry.retryable(new LlmCallException(OpenAiCompatibleClient.upstreamError(
                org.springframework.http.HttpStatusCode.valueOf(401), "{\"error\":{\"message\":\"sk-abc...xyz\"}}"))))
                .as("the product's key is wrong: it stays wrong").isFalse();
        assertThat(OpenAiCompatibleClient.upstreamError(org.springframework.http.HttpStatusCode.valueOf(401),
                "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc...xyz\"}}").message())
                .as("the upstream's words about the product's key are not passed on").doesNotContain("sk-");
        assertThat(UpstreamRetry.retryable(new LlmCallException(
                dev.llmcache.common.event.ErrorInfo.upstream("Upstream sent malformed JSON in its stream")))).isFalse();
        assertThat(UpstreamRetry.retryable(new IllegalStateException("a bug"))).isFalse();
    }

    private LlmRouter withRetries(LlmProperties.Retry retry) {
        return LlmRouter.fromProperties(new LlmProperties("openai", upstream.baseUrl(), null, List.of("m"), null, null,
                new LlmProperties.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5),
                        Duration.ofSeconds(10)), null, null, null, retry, 0), 10);
    }

    private List<LlmStreamEvent> call(String prompt) {
        return call(router, prompt);
    }

    private static List<LlmStreamEvent> call(LlmRouter router, String prompt) {
        return router.stream("m", body(prompt)).collectList().block(Duration.ofSeconds(10));
    }

    private static ObjectNode body(String prompt) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "m");
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body;
    }
}
