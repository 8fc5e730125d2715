package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.trace.RequestTracing;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each query: answer from the cache (hit), join the running call for the same key
 * (coalesced), or start a new LLM call (miss, or bypass under {@code no-cache}).
 */
final class QueryProcessor extends KeyStateProcessor<QueryRequest> {

    private static final Logger log = LoggerFactory.getLogger(QueryProcessor.class);

    QueryProcessor(TopologySettings settings) {
        super(settings);
    }

    @Override
    public void process(Record<String, QueryRequest> record) {
        QueryRequest query = record.value();
        if (query == null || record.key() == null) {
            log.warn("Dropping a query without key or value");
            return;
        }
        try (var logContext = RequestTracing.logContext(query.requestId(), null)) {
            decide(record.key(), query, record.headers());
        }
    }

    private void decide(String key, QueryRequest query, Headers headers) {
        long now = context.currentSystemTimeMs();
        CacheDirectives directives = query.cache() == null ? CacheDirectives.DEFAULT : query.cache();
        long queueMillis = Math.max(0, now - query.receivedAt());

        if (!directives.noCache()) {
            CachedAnswer cached = cache.get(key, now);
            if (cached != null && invalidations.removes(cached)) {
                // Invalidated, and the sweep has not reached it yet: gone now.
                cache.remove(key);
                context.forward(new Record<>(key, null, now), QueryTopology.CACHE_ENTRIES_SINK);
                cached = null;
            }
            if (cached != null && directives.accepts(cached, now)) {
                replies.send(query.replyTo(),
                        Answer.hit(query.requestId(), cached, query.model(), queueMillis, Answer.STATE_STORE),
                        headers, query.clientRequestId());
                return;
            }
        }

        // An answer being generated right now is as fresh as it gets, so no-cache joins it too.
        InflightEntry running = inflight.get(key);
        if (running != null) {
            join(key, query, directives, running, now, queueMillis, headers);
            return;
        }
        startCall(key, query, directives, now, queueMillis, headers);
    }

    private void join(String key, QueryRequest query, CacheDirectives directives, InflightEntry running, long now,
                      long queueMillis, Headers headers) {
        if (inflight.isWaiting(key, running, query.requestId())) {
            // The same query again (re-processed after a crash; its reply id is unique): it already
            // waits, and a second waiter would get every token twice. What the first processing
            // sent may have been lost in the crash, so it is sent again: ingest drops what arrived.
            boolean starter = running.starter() != null && running.starter().requestId().equals(query.requestId());
            Waiter again = starter ? running.starter() : new Waiter(query.requestId(), query.replyTo(),
                    CacheOutcome.COALESCED, now, query.clientRequestId());
            replies.send(query.replyTo(), Answer.started(query, again.outcome(), queueMillis), headers,
                    query.clientRequestId());
            if (!running.text().isEmpty()) {
                replies.sendChunk(List.of(again), key, query.model(), running.text(), 0, headers);
            }
            return;
        }
        Waiter waiter = new Waiter(query.requestId(), query.replyTo(), CacheOutcome.COALESCED, now,
                query.clientRequestId());
        inflight.join(key, running, waiter, !directives.noStore());
        SemanticCall semantic = inflight.semanticCall(key);
        if (semantic != null) {
            // A semantic match must suit this joiner too (no-cache, off, its threshold and max-age).
            SemanticCall narrowed = semantic.joinedBy(query.semantic());
            if (narrowed != semantic) {
                inflight.updateSemantic(key, narrowed);
            }
        }
        replies.send(query.replyTo(), Answer.started(query, CacheOutcome.COALESCED, queueMillis), headers,
                query.clientRequestId());
        if (!running.text().isEmpty()) {
            replies.sendChunk(List.of(waiter), key, query.model(), running.text(), 0, headers);
        }
    }

    private void startCall(String key, QueryRequest query, CacheDirectives directives, long now, long queueMillis,
                           Headers headers) {
        CacheOutcome outcome = directives.noCache() ? CacheOutcome.BYPASS : CacheOutcome.MISS;
        Waiter waiter = new Waiter(query.requestId(), query.replyTo(), outcome, now, query.clientRequestId());
        long ttlMillis = directives.ttlSeconds() != null
                ? directives.ttlSeconds() * 1000
                : settings.defaultTtl().toMillis();
        InflightEntry entry = InflightEntry.start(query.requestId(), query.namespace(), query.model(), now,
                now + settings.inflightTimeout().toMillis(), !directives.noStore(), ttlMillis, waiter);
        inflight.start(key, entry);
        // STARTED goes out before the request: it is then (almost always) ahead of the first token,
        // which the worker sends straight to the starter. Ingest copes with either order.
        replies.send(query.replyTo(), Answer.started(query, outcome, queueMillis), headers, query.clientRequestId());
        LlmRequest.Starter starter = new LlmRequest.Starter(query.requestId(), query.replyTo(), outcome,
                query.clientRequestId());
        LlmRequest request = new LlmRequest(LlmRequest.SCHEMA_VERSION, key, entry.generationId(),
                query.model(), query.body(), now, entry.deadline(), starter, query.semantic());
        if (request.semantic() != null) {
            inflight.startSemantic(key, request);
        }
        // The query's trace headers travel on to the worker, so the LLM call joins the query's trace.
        context.forward(new Record<>(key, request, now, headers), QueryTopology.LLM_REQUESTS_SINK);
    }
}
