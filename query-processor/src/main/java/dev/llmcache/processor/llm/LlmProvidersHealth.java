package dev.llmcache.processor.llm;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Health component {@code llmProviders}: each provider's reachability and circuit state.
 *
 * <p>A failing provider makes the status {@code DEGRADED}, not DOWN: cache hits and coalesced
 * answers still work, only misses for that provider's models fail (502 or 503). DEGRADED answers
 * HTTP 200 and is not part of readiness, so an LLM outage does not take the cache out of service.
 */
public final class LlmProvidersHealth implements ReactiveHealthIndicator {

    public static final Status DEGRADED = new Status("DEGRADED", "An LLM provider is unreachable or its circuit is open");

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final LlmRouter router;

    public LlmProvidersHealth(LlmRouter router) {
        this.router = router;
    }

    @Override
    public Mono<Health> health() {
        return Flux.fromIterable(router.providers().entrySet())
                .flatMap(provider -> probe(provider.getKey(), provider.getValue()))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue, TreeMap::new)
                .map(details -> {
                    boolean healthy = details.values().stream().allMatch(d -> "UP".equals(d.get("status")));
                    return Health.status(healthy ? Status.UP : DEGRADED).withDetails(details).build();
                });
    }

    private Mono<Map.Entry<String, Map<String, Object>>> probe(String name, LlmClient client) {
        CircuitBreaker.State circuit = router.breakers().circuitBreaker(name).getState();
        return client.probe()
                .timeout(PROBE_TIMEOUT)
                .then(Mono.<String>fromCallable(() -> circuit == CircuitBreaker.State.OPEN ? "CIRCUIT_OPEN" : "UP"))
                .onErrorResume(error -> Mono.just("UNREACHABLE"))
                .map(status -> Map.entry(name, Map.<String, Object>of("status", status, "circuit", circuit.name())));
    }
}
