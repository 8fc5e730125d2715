package dev.llmcache.cache.api;

import dev.llmcache.cache.analytics.AnalyticsQueries;
import dev.llmcache.cache.analytics.AnalyticsTopology;
import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.serde.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /cache/stats}: live totals by outcome and tier, the hit rate, current rates (from the
 * last complete window), cache entries, bytes and fill ratio.
 */
public final class StatsHandler {

    private final AnalyticsQueries queries;
    private final Duration window;
    private final long capacityEntries;

    public StatsHandler(AnalyticsQueries queries, Duration window, long capacityEntries) {
        this.queries = queries;
        this.window = window;
        this.capacityEntries = capacityEntries;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        // Store reads touch RocksDB: keep them off the event loop.
        return Mono.fromCallable(this::stats)
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Json.MAPPER.writeValueAsString(body)));
    }

    private ObjectNode stats() {
        AnalyticsQueries.Totals totals = queries.totals();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("ready", queries.ready());
        ObjectNode totalsNode = body.putObject("totals");
        totalsNode.put("requests", totals.requests());
        totalsNode.set("byOutcome", Json.MAPPER.valueToTree(totals.byOutcome()));
        totalsNode.set("byTier", Json.MAPPER.valueToTree(totals.byTier()));
        long hits = totals.byOutcome().getOrDefault("HIT", 0L) + totals.byOutcome().getOrDefault("SEMANTIC_HIT", 0L);
        totalsNode.put("hitRate", totals.requests() == 0 ? 0 : (double) hits / totals.requests());

        ObjectNode rates = body.putObject("rates");
        Instant now = Instant.now();
        List<MetricsAggregate> recent = queries.windows("all", "*", now.minus(window.multipliedBy(2)), now,
                window.toMillis());
        MetricsAggregate last = recent.stream().filter(w -> w.windowEnd() <= now.toEpochMilli())
                .reduce((a, b) -> b).orElse(null);
        double seconds = window.toMillis() / 1000.0;
        rates.put("windowSeconds", seconds);
        rates.put("requestsPerSecond", last == null ? 0 : last.requests() / seconds);
        ObjectNode byOutcome = rates.putObject("byOutcomePerSecond");
        if (last != null) {
            last.outcomes().forEach((outcome, count) -> byOutcome.put(outcome, count / seconds));
            rates.put("hitRate", last.hitRate());
        }

        AnalyticsTopology.EntryTotals entries = queries.entries();
        ObjectNode cache = body.putObject("cache");
        cache.put("entries", entries.entries());
        cache.put("bytes", entries.bytes());
        cache.put("capacityEntries", capacityEntries);
        cache.put("fillRatio", capacityEntries == 0 ? 0 : (double) entries.entries() / capacityEntries);
        return body;
    }
}
