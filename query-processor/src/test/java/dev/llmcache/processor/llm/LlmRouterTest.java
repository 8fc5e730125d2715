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

    private final FaultyUpstream upstream = FaultyUpstream.start(Duration.ZERO, 1_000);
    /** Opens when 2 of the last 4 calls failed; lets 2 probe calls through after a second. */
    private final LlmRouter router = LlmRouter.fromProperties(new LlmProperties("openai", upstream.baseUrl(), null,
            List.of("m"), null, null, new LlmProperties.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(10)), null, null,
            new LlmProperties.CircuitBreaker(4, 4, 50, OPEN_FOR, 2)), 10);
    private final CircuitBreaker breaker = router.breakers().circuitBreaker(LlmProperties.DEFAULT_PROVIDER);

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

    private List<LlmStreamEvent> call(String prompt) {
        return router.stream("m", body(prompt)).collectList().block(Duration.ofSeconds(10));
    }

    private static ObjectNode body(String prompt) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "m");
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body;
    }
}
