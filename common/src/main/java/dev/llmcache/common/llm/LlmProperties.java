package dev.llmcache.common.llm;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * LLM providers and the model-routing table, shared by ingest (which models exist) and the LLM
 * worker (where to send them).
 *
 * @param provider  type of the {@code default} provider: {@code simulated} or {@code openai}
 * @param baseUrl   base URL of the default provider when it is {@code openai} (ends in {@code /v1})
 * @param apiKey    API key of the default provider
 * @param models    model names served by the default provider under the same upstream name
 * @param providers further named providers
 * @param routes    model name to provider and upstream model, for models beyond {@code models}
 * @param pricing   price per million tokens by model, for cost and savings in the metrics
 * @param circuitBreaker when a provider's calls fail fast (one breaker per provider)
 * @param retry     how failed calls are tried again before their first token
 * @param maxConcurrentCalls calls the {@code default} provider may have running at once per worker
 *                  instance; 0 means only the worker's own limit applies
 */
@ConfigurationProperties("llmcache.llm")
public record LlmProperties(
        @DefaultValue("simulated") String provider,
        String baseUrl,
        String apiKey,
        @DefaultValue({"gpt-4o-mini", "gpt-4o", "llmcache-sim"}) List<String> models,
        Map<String, Provider> providers,
        Map<String, Route> routes,
        @DefaultValue Timeouts timeouts,
        @DefaultValue Simulator simulator,
        Map<String, Price> pricing,
        @DefaultValue CircuitBreaker circuitBreaker,
        @DefaultValue Retry retry,
        @DefaultValue("0") int maxConcurrentCalls) {

    public static final String DEFAULT_PROVIDER = "default";

    public LlmProperties {
        models = models == null ? List.of() : List.copyOf(models);
        providers = providers == null ? Map.of() : Map.copyOf(providers);
        routes = routes == null ? Map.of() : Map.copyOf(routes);
        pricing = pricing == null ? Map.of() : Map.copyOf(pricing);
        circuitBreaker = circuitBreaker == null ? new CircuitBreaker(20, 10, 50, Duration.ofSeconds(30), 3)
                : circuitBreaker;
        retry = retry == null ? new Retry(3, Duration.ofMillis(250), Duration.ofSeconds(4), Duration.ofSeconds(10))
                : retry;
    }

    /** The bound on concurrent calls of {@code provider}; 0 for none beyond the worker's. */
    public int maxConcurrentCallsOf(String provider) {
        if (DEFAULT_PROVIDER.equals(provider)) {
            return Math.max(0, maxConcurrentCalls);
        }
        Provider named = providers.get(provider);
        return named == null ? 0 : Math.max(0, named.maxConcurrentCalls());
    }

    /**
     * A call that failed before its first token with a 429, a 5xx or a broken connection is tried
     * again, up to {@code maxAttempts} attempts in all, after an exponential backoff with full
     * jitter between {@code initialBackoff} and {@code maxBackoff}, or after the upstream's
     * {@code Retry-After} if it says longer. A call the upstream asks to wait more than
     * {@code maxRetryAfter} for fails at once instead. A call that already streamed tokens is
     * never repeated (its text would change under the client).
     */
    public record Retry(
            @DefaultValue("3") int maxAttempts,
            @DefaultValue("250ms") Duration initialBackoff,
            @DefaultValue("4s") Duration maxBackoff,
            @DefaultValue("10s") Duration maxRetryAfter) {
    }

    /**
     * A provider's breaker opens when {@code failureRate} percent of its last {@code window} calls
     * (once there were at least {@code minimumCalls}) failed on the upstream's side (5xx, timeouts,
     * broken streams; a 4xx is the request's fault and does not count). While open, calls fail at
     * once with 503; after {@code openFor} it lets {@code probeCalls} calls through and closes
     * again if they succeed.
     */
    public record CircuitBreaker(
            @DefaultValue("20") int window,
            @DefaultValue("10") int minimumCalls,
            @DefaultValue("50") float failureRate,
            @DefaultValue("30s") Duration openFor,
            @DefaultValue("3") int probeCalls) {
    }

    /** USD per million input (prompt) and output (completion) tokens. */
    public record Price(double inputPerMillion, double outputPerMillion) {
    }

    /**
     * A named upstream. {@code type} is {@code simulated} or {@code openai}; {@code maxConcurrentCalls}
     * bounds its calls running at once per worker instance (0: only the worker's own limit), so that
     * one slow provider cannot take every worker slot.
     */
    public record Provider(@DefaultValue("openai") String type, String baseUrl, String apiKey,
                           @DefaultValue("0") int maxConcurrentCalls) {
    }

    /** Where one model name is served: a provider name and the model name the upstream expects. */
    public record Route(@DefaultValue(DEFAULT_PROVIDER) String provider, String upstreamModel) {
    }

    /**
     * @param connect    TCP connect timeout
     * @param firstToken longest wait for the first streamed token
     * @param idle       longest silence between two streamed tokens
     * @param total      longest duration of a whole call
     */
    public record Timeouts(
            @DefaultValue("5s") Duration connect,
            @DefaultValue("60s") Duration firstToken,
            @DefaultValue("30s") Duration idle,
            @DefaultValue("300s") Duration total) {
    }

    /** The simulated model's pace; defaults feel like a small hosted model. */
    public record Simulator(
            @DefaultValue("300ms") Duration firstTokenLatency,
            @DefaultValue("50") double tokensPerSecond) {
    }
}
