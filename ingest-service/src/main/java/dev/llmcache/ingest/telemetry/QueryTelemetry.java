package dev.llmcache.ingest.telemetry;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.LatencyMetric;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.llm.PriceTable;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.api.ParsedQuery;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns each finished request into exactly one {@link CacheEvent} and one {@link LatencyMetric}
 * (published to their topics for analytics consumers) and the matching Prometheus metrics.
 */
public final class QueryTelemetry {

    /** Error code of a request whose client went away before the answer was complete. */
    static final String CLIENT_CANCELLED = "client_cancelled";

    private final TelemetrySender sender;
    private final Topics topics;
    private final PriceTable prices;
    private final MeterRegistry meters;
    private final AtomicInteger coalescedWaiters = new AtomicInteger();
    // Bounded: outcomes x tiers x the catalog's models (a query's model is one the catalog knows) x two origins.
    private final Map<OutcomeMeters.Key, OutcomeMeters> outcomeMeters = new ConcurrentHashMap<>();
    private final Map<String, ModelMeters> modelMeters = new ConcurrentHashMap<>();

    public QueryTelemetry(TelemetrySender sender, Topics topics, PriceTable prices, MeterRegistry meters) {
        this.sender = sender;
        this.topics = topics;
        this.prices = prices;
        this.meters = meters;
        Gauge.builder("llmcache.coalesced.waiters", coalescedWaiters, AtomicInteger::get)
                .description("Requests of this instance waiting on an LLM call another request started")
                .register(meters);
        FunctionCounter.builder("llmcache.telemetry.dropped", sender, TelemetrySender::dropped)
                .description("Cache events and latency metrics not published: the send queue was full")
                .register(meters);
        FunctionCounter.builder("llmcache.telemetry.failed", sender, TelemetrySender::failed)
                .description("Cache events and latency metrics Kafka did not accept").register(meters);
        Gauge.builder("llmcache.telemetry.queued", sender, TelemetrySender::queued)
                .description("Cache events and latency metrics waiting to be published").register(meters);
    }

    public RequestRecord start(ParsedQuery query, long startNanos, Span span) {
        return new RequestRecord(query, startNanos, coalescedWaiters, span);
    }

    /** Called once, when the request's answer stream ends for whatever reason. */
    public void finish(RequestRecord request) {
        request.leaveCoalesced();
        long now = System.currentTimeMillis();
        ParsedQuery query = request.query();
        Answer first = request.first();
        Answer terminal = request.terminal();
        CacheOutcome cacheOutcome = Answer.outcomeOf(first, terminal);
        boolean failed = terminal == null || terminal.type() == Answer.Type.ERROR;
        String errorCode = terminal == null ? CLIENT_CANCELLED
                : terminal.error() == null ? null : terminal.error().code();
        Integer errorStatus = terminal == null || terminal.error() == null ? null : terminal.error().status();
        CacheEvent.Outcome outcome = failed || cacheOutcome == null
                ? CacheEvent.Outcome.ERROR
                : CacheEvent.Outcome.valueOf(cacheOutcome.name());
        SemanticMatch match = outcome == CacheEvent.Outcome.SEMANTIC_HIT ? terminal.semantic() : null;
        // A hit says which tier answered it (an edge tier, or the processor's store).
        String tier = outcome == CacheEvent.Outcome.HIT && first.tier() != null ? first.tier() : tier(outcome);

        CacheEvent event = new CacheEvent(CacheEvent.SCHEMA_VERSION, query.requestId(), now, query.tenant(),
                query.namespace(), query.model(), query.cacheKey(), outcome, tier, errorCode, errorStatus, query.origin(),
                match == null ? null : match.similarity(), match == null ? null : match.matchedKey());
        LatencyMetric latency = latency(request, outcome, now);

        Headers headers = new RecordHeaders();
        RequestTracing.setRequestId(headers, query.requestId());
        sender.send(topics.cacheEvents(), query.cacheKey(), event, headers);
        sender.send(topics.latencyMetrics(), query.model(), latency, headers);
        record(event, latency);
        request.span().tag("llmcache.outcome", outcome.name());
        if (errorCode != null) {
            request.span().tag("llmcache.error", errorCode);
        }
        request.span().end();
    }

    private LatencyMetric latency(RequestRecord request, CacheEvent.Outcome outcome, long now) {
        ParsedQuery query = request.query();
        Answer terminal = request.terminal();
        Usage usage = terminal == null || terminal.usage() == null ? Usage.of(0, 0) : terminal.usage();
        Answer.Timings timings = terminal == null || terminal.timings() == null
                ? new Answer.Timings(null, null, null, null) : terminal.timings();
        long endToEnd = millisSince(request.startNanos());
        Long ttft = request.firstContentNanos() < 0 ? null
                : (request.firstContentNanos() - request.startNanos()) / 1_000_000;
        double cost = prices.costUsd(query.model(), usage);
        boolean avoidedCall = outcome == CacheEvent.Outcome.HIT || outcome == CacheEvent.Outcome.COALESCED
                || outcome == CacheEvent.Outcome.SEMANTIC_HIT;
        long savedMillis = (outcome == CacheEvent.Outcome.HIT || outcome == CacheEvent.Outcome.SEMANTIC_HIT)
                && timings.savedMillis() != null ? timings.savedMillis() : 0;
        return new LatencyMetric(LatencyMetric.SCHEMA_VERSION, query.requestId(), now, query.tenant(), query.model(),
                outcome, request.queueMillis(), ttft, timings.llmMillis(), endToEnd,
                usage.promptTokens(), usage.completionTokens(),
                avoidedCall ? 0 : cost, savedMillis, avoidedCall ? cost : 0,
                avoidedCall ? usage.completionTokens() : 0, query.origin());
    }

    private void record(CacheEvent event, LatencyMetric latency) {
        OutcomeMeters outcome = outcomeMeters.computeIfAbsent(new OutcomeMeters.Key(event.outcome(), event.tier(),
                event.model(), event.origin()), key -> OutcomeMeters.register(key, meters));
        outcome.requests().increment();
        outcome.duration().record(latency.endToEndMillis(), TimeUnit.MILLISECONDS);
        if (latency.timeToFirstTokenMillis() != null) {
            outcome.timeToFirstToken().record(latency.timeToFirstTokenMillis(), TimeUnit.MILLISECONDS);
        }
        ModelMeters model = modelMeters.computeIfAbsent(event.model(), name -> ModelMeters.register(name, meters));
        model.tokensIn().increment(latency.tokensIn());
        model.tokensOut().increment(latency.tokensOut());
        model.tokensSaved().increment(latency.savedTokens());
        model.cost().increment(latency.costUsd());
        model.costSaved().increment(latency.savedCostUsd());
        model.timeSaved().increment(latency.savedMillis() / 1000.0);
    }

    /**
     * The meters of one outcome, tier and model, registered once: looking a meter up in the
     * registry on every request (tags sorted, filters run) cost more than the request's own work.
     */
    private record OutcomeMeters(Counter requests, Timer duration, Timer timeToFirstToken) {
        record Key(CacheEvent.Outcome outcome, String tier, String model, String origin) {
        }

        static OutcomeMeters register(Key key, MeterRegistry meters) {
            String outcome = key.outcome().name();
            return new OutcomeMeters(
                    Counter.builder("llmcache.cache.requests").description("Queries by outcome and the tier that answered")
                            .tag("outcome", outcome).tag("tier", key.tier()).tag("model", key.model())
                            .tag("origin", key.origin()).register(meters),
                    Timer.builder("llmcache.request.duration").description("End-to-end duration as the client saw it")
                            .tag("outcome", outcome).tag("model", key.model()).tag("origin", key.origin())
                            .register(meters),
                    Timer.builder("llmcache.request.time.to.first.token")
                            .description("Time to first content as the client saw it")
                            .tag("outcome", outcome).tag("model", key.model()).tag("origin", key.origin())
                            .register(meters));
        }
    }

    /** The meters of one model, registered once (see {@link OutcomeMeters}). */
    private record ModelMeters(Counter tokensIn, Counter tokensOut, Counter tokensSaved, Counter cost,
                               Counter costSaved, Counter timeSaved) {
        static ModelMeters register(String model, MeterRegistry meters) {
            return new ModelMeters(tokens("in", model, meters), tokens("out", model, meters),
                    Counter.builder("llmcache.tokens.saved")
                            .description("Completion tokens not generated again thanks to the cache")
                            .tag("model", model).register(meters),
                    Counter.builder("llmcache.cost.usd").description("LLM cost incurred, from the price table")
                            .tag("model", model).register(meters),
                    Counter.builder("llmcache.cost.saved.usd").description("LLM cost avoided by hits and coalescing")
                            .tag("model", model).register(meters),
                    Counter.builder("llmcache.time.saved.seconds").description("LLM time avoided by hits")
                            .tag("model", model).register(meters));
        }

        private static Counter tokens(String direction, String model, MeterRegistry meters) {
            return Counter.builder("llmcache.tokens").description("Tokens of answered queries")
                    .tag("direction", direction).tag("model", model).register(meters);
        }
    }

    static String tier(CacheEvent.Outcome outcome) {
        return switch (outcome) {
            case HIT, SEMANTIC_HIT -> Answer.STATE_STORE;
            case MISS, BYPASS, COALESCED -> "LLM";
            case ERROR -> "NONE";
        };
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
