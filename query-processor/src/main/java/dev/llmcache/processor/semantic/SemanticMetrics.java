package dev.llmcache.processor.semantic;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus view of the semantic cache: lookups by result, embedding and search latency, the
 * best similarity each search saw (where a threshold would cut), and the index's size.
 */
public final class SemanticMetrics {

    /** Lookup results: matched; nothing at the threshold; only candidates the guard refused; too slow; failed; skipped. */
    static final String HIT = "hit";
    static final String MISS = "miss";
    static final String REFUSED = "guard_refused";
    static final String TIMEOUT = "timeout";
    static final String ERROR = "error";
    /** Skipped: too many embeddings already under way. */
    static final String BUSY = "busy";
    /** Skipped: the index's feed is down, so it may still hold entries deleted since. */
    static final String STALE = "stale";

    private final Map<String, Counter> lookups;
    private final Timer embed;
    private final Timer search;
    private final DistributionSummary bestSimilarity;

    public SemanticMetrics(MeterRegistry meters, SemanticIndex index) {
        this.lookups = Map.of(HIT, lookups(meters, HIT), MISS, lookups(meters, MISS), REFUSED, lookups(meters, REFUSED),
                TIMEOUT, lookups(meters, TIMEOUT), ERROR, lookups(meters, ERROR), BUSY, lookups(meters, BUSY),
                STALE, lookups(meters, STALE));
        this.embed = Timer.builder("llmcache.semantic.embed").description("Embedding a question for a semantic lookup")
                .publishPercentileHistogram().register(meters);
        this.search = Timer.builder("llmcache.semantic.search").description("Searching the semantic index of one scope")
                .publishPercentileHistogram().register(meters);
        this.bestSimilarity = DistributionSummary.builder("llmcache.semantic.best.similarity")
                .description("The highest similarity in the scope at each search, matched or not")
                .serviceLevelObjectives(0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1.0)
                .register(meters);
        Gauge.builder("llmcache.semantic.index.entries", index, SemanticIndex::entries)
                .description("Entries in this instance's semantic index").register(meters);
        Gauge.builder("llmcache.semantic.index.bytes", index, SemanticIndex::bytes).baseUnit("bytes")
                .description("Estimated heap the semantic index takes").register(meters);
    }

    private static Counter lookups(MeterRegistry meters, String result) {
        return Counter.builder("llmcache.semantic.lookups").description("Semantic lookups by result")
                .tag("result", result).register(meters);
    }

    void lookedUp(String result) {
        lookups.get(result).increment();
    }

    void embedded(long nanos) {
        embed.record(nanos, TimeUnit.NANOSECONDS);
    }

    void searched(long nanos, double best) {
        search.record(nanos, TimeUnit.NANOSECONDS);
        if (!Double.isNaN(best)) {
            bestSimilarity.record(best);
        }
    }
}
