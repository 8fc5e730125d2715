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
        @DefaultValue CircuitBreaker circuitBreaker) {

    public static final String DEFAULT_PROVIDER = "default";

    public LlmProperties {
        models = models == null ? List.of() : List.copyOf(models);
        providers = providers == null ? Map.of() : Map.copyOf(providers);
        routes = routes == null ? Map.of() : Map.copyOf(routes);
        pricing = pricing == null ? Map.of() : Map.copyOf(pricing);
        circuitBreaker = circuitBreaker == null ? new CircuitBreaker(20, 10, 50, Duration.ofSeconds(30), 3)
                : circuitBreaker;
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

    /** A named upstream. {@code type} is {@code simulated} or {@code openai}. */
    public record Provider(@DefaultValue("openai") String type, String baseUrl, String apiKey) {
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
