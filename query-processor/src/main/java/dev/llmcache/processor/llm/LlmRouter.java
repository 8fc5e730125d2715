package dev.llmcache.processor.llm;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.llm.ModelRoute;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.util.HashMap;
import java.util.Map;
import reactor.core.publisher.Flux;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends each request to the provider its model routes to, under the upstream's model name, through
 * that provider's circuit breaker (while a provider keeps failing, calls fail fast with 503 instead
 * of waiting for timeouts), trying a call that failed before its first token again
 * ({@link UpstreamRetry}).
 */
public final class LlmRouter {

    private final ModelCatalog catalog;
    private final Map<String, LlmClient> clients;
    private final CircuitBreakerRegistry breakers;
    private final UpstreamRetry retry;

    public LlmRouter(ModelCatalog catalog, Map<String, LlmClient> clients, LlmProperties.CircuitBreaker breaker,
                     LlmProperties.Retry retry) {
        this.catalog = catalog;
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
        Map<String, LlmClient> clients = new HashMap<>();
        clients.put(LlmProperties.DEFAULT_PROVIDER, client(LlmProperties.DEFAULT_PROVIDER, properties.provider(),
                properties.baseUrl(), properties.apiKey(), properties, maxConnections));
        properties.providers().forEach((name, p) ->
                clients.put(name, client(name, p.type(), p.baseUrl(), p.apiKey(), properties, maxConnections)));
        return new LlmRouter(new ModelCatalog(properties), clients, properties.circuitBreaker(), properties.retry());
    }

    private static LlmClient client(String name, String type, String baseUrl, String apiKey,
                                    LlmProperties properties, int maxConnections) {
        return switch (type) {
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
                    + "' for provider '" + name + "': use simulated or openai");
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
        ObjectNode upstreamRequest = request.deepCopy();
        upstreamRequest.put("model", route.upstreamModel());
        CircuitBreaker breaker = breakers.circuitBreaker(route.provider());
        LlmClient client = clients.get(route.provider());
        // Every attempt goes through the breaker: retries of a failing provider open it sooner.
        return retry.around(Flux.defer(() -> client.stream(upstreamRequest))
                        .transformDeferred(CircuitBreakerOperator.of(breaker)))
                .onErrorMap(CallNotPermittedException.class, open -> new LlmCallException(ErrorInfo.overloaded(
                        "The LLM provider '" + route.provider() + "' is failing; calls are paused for a moment")));
    }
}
