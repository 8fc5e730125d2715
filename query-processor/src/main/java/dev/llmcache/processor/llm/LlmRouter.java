package dev.llmcache.processor.llm;

import dev.llmcache.common.embedding.EmbeddingItem;
import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.llm.ModelRoute;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.embedding.EmbeddingBatcher;
import dev.llmcache.processor.embedding.EmbeddingCallMetrics;
import dev.llmcache.processor.embedding.InProcessEmbedder;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends each request to the provider its model routes to, under the upstream's model name, through
 * that provider's circuit breaker (while a provider keeps failing, calls fail fast with 503 instead
 * of waiting for timeouts), trying a call that failed before its first token again
 * ({@link UpstreamRetry}). An embedding item (one input of an embeddings request) goes the same way,
 * gathered with the inputs that arrive with it into one upstream call ({@link EmbeddingBatcher});
 * its vector comes back as the answer's only text, base64-encoded ({@link Vectors}).
 */
public final class LlmRouter {

    private final ModelCatalog catalog;
    private final Map<String, LlmClient> clients;
    private final CircuitBreakerRegistry breakers;
    private final UpstreamRetry retry;
    private final EmbeddingBatcher batcher;
    private final EmbeddingCallMetrics embeddingMetrics;

    public LlmRouter(ModelCatalog catalog, Map<String, LlmClient> clients, LlmProperties.CircuitBreaker breaker,
                     LlmProperties.Retry retry) {
        this(catalog, clients, breaker, retry, batcher(ProcessorProperties.Embeddings.DEFAULTS,
                Duration.ofMinutes(5)), new SimpleMeterRegistry());
    }

    public LlmRouter(ModelCatalog catalog, Map<String, LlmClient> clients, LlmProperties.CircuitBreaker breaker,
                     LlmProperties.Retry retry, EmbeddingBatcher batcher, MeterRegistry meters) {
        this.catalog = catalog;
        this.batcher = batcher;
        this.embeddingMetrics = new EmbeddingCallMetrics(meters);
        this.clients = Map.copyOf(clients);
        this.retry = new UpstreamRetry(retry);
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowSize(breaker.window())
                .minimumNumberOfCalls(breaker.minimumCalls())
                .failureRateThreshold(breaker.failureRate())
                .waitDurationInOpenState(breaker.openFor())
                .permittedNumberOfCallsInHalfOpenState(breaker.probeCalls())
                // Half-open without waiting for a call to arrive: health shows the recovery.
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordException(LlmRouter::isUpstreamFailure)
                .build());
    }

    /** The providers by name, for health checks. */
    public Map<String, LlmClient> providers() {
        return clients;
    }

    /** One circuit breaker per provider (named after it), for metrics and health. */
    public CircuitBreakerRegistry breakers() {
        return breakers;
    }

    private static boolean isUpstreamFailure(Throwable error) {
        return !(error instanceof LlmCallException call) || call.error().status() >= 500;
    }

    /** Builds one client per configured provider, the {@code default} one included. */
    public static LlmRouter fromProperties(LlmProperties properties, int maxConnections) {
        return fromProperties(properties, maxConnections, ProcessorProperties.Embeddings.DEFAULTS,
                new SimpleMeterRegistry());
    }

    public static LlmRouter fromProperties(LlmProperties properties, int maxConnections,
                                           ProcessorProperties.Embeddings embeddings, MeterRegistry meters) {
        Map<String, LlmClient> clients = new HashMap<>();
        clients.put(LlmProperties.DEFAULT_PROVIDER, client(LlmProperties.DEFAULT_PROVIDER, properties.provider(),
                properties.baseUrl(), properties.apiKey(), properties, maxConnections, embeddings));
        properties.providers().forEach((name, p) -> clients.put(name,
                client(name, p.type(), p.baseUrl(), p.apiKey(), properties, maxConnections, embeddings)));
        return new LlmRouter(new ModelCatalog(properties), clients, properties.circuitBreaker(), properties.retry(),
                batcher(embeddings, properties.timeouts().total()), meters);
    }

    private static EmbeddingBatcher batcher(ProcessorProperties.Embeddings embeddings, Duration callTimeout) {
        return new EmbeddingBatcher(embeddings.batchWindow(), embeddings.maxBatchInputs(), Schedulers.parallel(),
                callTimeout);
    }

    private static LlmClient client(String name, String type, String baseUrl, String apiKey,
                                    LlmProperties properties, int maxConnections,
                                    ProcessorProperties.Embeddings embeddings) {
        return switch (type) {
            case "in-process" -> {
                InProcessEmbedder embedder = new InProcessEmbedder(embeddings.memoEntries(),
                        embeddings.intraOpThreads());
                if (embeddings.warmUp()) {
                    embedder.warmUp().subscribe(null, error -> { }); // a failure shows on the first request
                }
                yield embedder;
            }
            case "simulated" -> new SimulatedLlm(properties.simulator().firstTokenLatency(),
                    properties.simulator().tokensPerSecond());
            case "openai" -> {
                if (baseUrl == null || baseUrl.isBlank()) {
                    throw new IllegalArgumentException("LLM provider '" + name
                            + "' is of type openai but has no base URL (LLM_BASE_URL)");
                }
                yield new OpenAiCompatibleClient(name, baseUrl, apiKey, properties.timeouts().connect(), maxConnections);
            }
            default -> throw new IllegalArgumentException("Unknown LLM provider type '" + type
                    + "' for provider '" + name + "': use simulated, openai or in-process");
        };
    }

    /** The provider name serving {@code model}, for metrics; {@code unknown} if it is not configured. */
    public String providerOf(String model) {
        return catalog.resolve(model).map(ModelRoute::provider).orElse("unknown");
    }

    public Flux<LlmStreamEvent> stream(String model, ObjectNode request) {
        ModelRoute route = catalog.resolve(model).orElse(null);
        if (route == null) {
            return Flux.error(new LlmCallException(new ErrorInfo(404, "invalid_request_error", "model_not_found",
                    "The model '" + model + "' is not configured")));
        }
        CircuitBreaker breaker = breakers.circuitBreaker(route.provider());
        LlmClient client = clients.get(route.provider());
        if (EmbeddingItem.isItem(request)) {
            return embed(route, client, breaker, EmbeddingItem.of(request));
        }
        ObjectNode upstreamRequest = request.deepCopy();
        upstreamRequest.put("model", route.upstreamModel());
        return guarded(route, breaker, Flux.defer(() -> client.stream(upstreamRequest)));
    }

    /**
     * The vector of one text from {@code model}'s provider, at once (no batching window: a semantic
     * lookup stands in the way of a first token). Not retried (the lookup has a deadline of a few
     * hundred milliseconds), and behind a circuit breaker of its own, so that a failing embedder
     * never pauses the provider's chat calls.
     */
    public Mono<float[]> embedText(String model, String text) {
        ModelRoute route = catalog.resolve(model).orElse(null);
        if (route == null) {
            return Mono.error(new LlmCallException(new ErrorInfo(404, "invalid_request_error", "model_not_found",
                    "The embedding model '" + model + "' is not configured")));
        }
        LlmClient client = clients.get(route.provider());
        EmbeddingCall call = new EmbeddingCall(route.upstreamModel(),
                List.of(JsonNodeFactory.instance.stringNode(text)), null);
        return Mono.defer(() -> client.embed(call))
                .transformDeferred(CircuitBreakerOperator.of(breakers.circuitBreaker(route.provider() + "-semantic")))
                .map(embeddings -> embeddings.vectors().get(0));
    }

    /** Not guarded per input: the retries and the breaker count upstream calls, each shared by many inputs. */
    private Flux<LlmStreamEvent> embed(ModelRoute route, LlmClient client, CircuitBreaker breaker, EmbeddingItem item) {
        return batcher.embed(route.provider(),
                        call -> embeddingMetrics.timed(route.provider(), call,
                                guarded(route, breaker, Mono.defer(() -> client.embed(call)).flux()).next()),
                        route.upstreamModel(), item.dimensions(), item.input())
                .flatMapMany(embedded -> Flux.just(new LlmStreamEvent.Delta(Vectors.toBase64(embedded.vector())),
                        new LlmStreamEvent.Completed("stop", Usage.of((int) embedded.promptTokens(), 0))));
    }

    /** Every attempt goes through the breaker: retries of a failing provider open it sooner. */
    private <T> Flux<T> guarded(ModelRoute route, CircuitBreaker breaker, Flux<T> call) {
        return retry.around(call.transformDeferred(CircuitBreakerOperator.of(breaker)))
                .onErrorMap(CallNotPermittedException.class, open -> new LlmCallException(ErrorInfo.overloaded(
                        "The LLM provider '" + route.provider() + "' is failing; calls are paused for a moment")));
    }
}
