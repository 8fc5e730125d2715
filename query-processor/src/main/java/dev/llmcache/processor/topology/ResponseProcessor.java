package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.trace.RequestTracing;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Fans the LLM worker's output out to every waiter of the call, caches complete answers, and
 * sweeps (on a wall-clock punctuator) expired cache entries and overdue calls.
 */
final class ResponseProcessor extends KeyStateProcessor<LlmResponse> {

    /** Finish reasons of a complete answer; anything else (e.g. content_filter) is not cached. */
    private static final Set<String> CACHEABLE_FINISH = Set.of("stop", "length", "tool_calls");

    ResponseProcessor(TopologySettings settings) {
        super(settings);
    }

    /** Also schedules the sweep: once per task, by the processor that ends calls and entries. */
    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        context.schedule(settings.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, LlmResponse> record) {
        LlmResponse response = record.value();
        if (response == null || record.key() == null) {
            return;
        }
        InflightEntry entry = inflight.get(record.key());
        // No entry, or another generation: the call already ended (timed out, or a re-delivered duplicate).
        if (entry == null || !entry.generationId().equals(response.generationId())) {
            return;
        }
        try (var logContext = RequestTracing.logContext(entry.generationId(), null)) {
            // When the worker produced the response: stalls are judged by it, not by when this task
            // gets to it (after a failover it re-processes older records at once).
            long producedAt = record.timestamp();
            switch (response.type()) {
                case CHUNK -> onChunk(record.key(), entry, response, producedAt, record.headers());
                case DONE -> onDone(record.key(), entry, response, producedAt, record.headers());
                case ERROR -> onError(record.key(), entry, response, producedAt, record.headers());
            }
        }
    }

    private void onChunk(String key, InflightEntry entry, LlmResponse chunk, long producedAt, Headers headers) {
        if (!entry.acceptsCall(chunk.callId())) {
            // Another attempt of the same call: its worker re-ran the request after the one running
            // the pinned attempt died. It takes over from its first chunk once the pinned one stalled.
            if (chunk.seq() != 0 || !stalled(entry, producedAt)) {
                return;
            }
            entry = entry.takenOverBy(chunk.callId(), producedAt);
        }
        // Only the next chunk in sequence: a duplicate is skipped, and after a lost chunk the stream
        // pauses (the final answer brings the rest) rather than deliver text with a hole in it.
        if (chunk.seq() != entry.nextSeq() || chunk.delta() == null) {
            return;
        }
        // A taken-over attempt starts again from the beginning: the part the waiters have must be
        // the same text, and only what goes beyond it is new.
        String delivered = entry.text();
        String delta = chunk.delta();
        int from = entry.attemptChars();
        int overlap = Math.max(0, Math.min(delta.length(), delivered.length() - from));
        if (!delivered.regionMatches(from, delta, 0, overlap)) {
            ErrorInfo error = ErrorInfo.upstream("The upstream answer changed while it was being retried");
            InflightEntry ended = entry;
            inflight.finish(key, entry).forEach(w -> replies.sendError(w, key, ended.model(), error, headers));
            return;
        }
        String fresh = delta.substring(overlap);
        InflightEntry updated = entry.withChunk(chunk.callId(), chunk.seq(), fresh, from + delta.length(),
                producedAt);
        inflight.update(key, updated);
        if (!fresh.isEmpty()) {
            replies.sendChunk(inflight.waiters(key, updated), key, entry.model(), fresh, delivered.length(), headers);
        }
    }

    private void onDone(String key, InflightEntry entry, LlmResponse done, long producedAt, Headers headers) {
        if (done.isSemanticHit() && !semanticMatchAnswers(key, entry, done, headers)) {
            return;
        }
        String content = done.content() == null ? entry.text() : done.content();
        if (!entry.acceptsCall(done.callId()) && !stalled(entry, producedAt) && !content.startsWith(entry.text())) {
            // A duplicate attempt (left running on a worker that lost the partition) that answered
            // otherwise, while the pinned attempt still streams: the pinned one decides.
            return;
        }
        List<Waiter> waiters = inflight.finish(key, entry);
        long now = context.currentSystemTimeMs();
        if (done.isSemanticHit()) {
            // Another key's answer: passed on whole, never cached under this key (it would outlive
            // the matched entry's invalidation, and answer this exact question as if asked).
            replies.sendDone(waiters, key, entry.model(), done, done.content(), now, headers);
            return;
        }
        // Waiters have seen entry.text(); a retried call (another callId) must extend it, not rewrite
        // it. An answer that does not is an error for them, and is not cached either.
        if (!content.startsWith(entry.text())) {
            ErrorInfo error = ErrorInfo.upstream("The upstream answer changed while it was being retried");
            waiters.forEach(w -> replies.sendError(w, key, entry.model(), error, headers));
            return;
        }
        // Created when the call started: an invalidation issued while it ran covers its answer too.
        CachedAnswer answer = new CachedAnswer(CachedAnswer.SCHEMA_VERSION, key, entry.namespace(), entry.model(),
                content, done.finishReason(), done.usage(), entry.startedAt(), now + entry.ttlMillis(),
                done.durationMillis(), done.extras(), done.vector());
        if (entry.store() && done.isWhole() && CACHEABLE_FINISH.contains(done.finishReason())
                && !invalidations.removes(answer)) {
            cache.put(answer);
            context.forward(new Record<>(key, answer, now), QueryTopology.CACHE_ENTRIES_SINK);
            for (String evicted : cache.evictBeyond(settings.maxEntriesPerTask())) {
                context.forward(new Record<>(evicted, null, now), QueryTopology.CACHE_ENTRIES_SINK);
            }
        }
        String rest = content.substring(entry.text().length());
        if (!rest.isEmpty()) {
            replies.sendChunk(waiters, key, entry.model(), rest, entry.text().length(), headers);
        }
        replies.sendDone(waiters, key, entry.model(), done, content, now, headers);
    }

    /**
     * Whether a semantic match may answer the call: every waiter accepts it, nothing of another
     * answer was sent yet, and the matched entry is not one an invalidation removes (the index
     * learns of invalidations a moment later than this task). Otherwise the LLM is called after
     * all: the request goes out again without the lookup, once (a re-run of the request after a
     * worker crash may match again: that match is dropped, the LLM's call is under way).
     */
    private boolean semanticMatchAnswers(String key, InflightEntry entry, LlmResponse done, Headers headers) {
        SemanticCall call = inflight.semanticCall(key);
        boolean untouched = entry.text().isEmpty() && entry.pinnedCallId() == null;
        if (call == null || !call.request().generationId().equals(entry.generationId())) {
            // Only a call with its SemanticCall looks for a match: this task lost it (a crash
            // between the two stores' changelogs). If an attempt streams, it answers. Otherwise
            // what the waiters accept is unknown, and so is the request to call the LLM after all
            // with: they are told to retry, not left waiting.
            if (untouched) {
                ErrorInfo lost = new ErrorInfo(503, "server_error", "state_lost",
                        "The cache lost this request's state in a restart; retry it");
                inflight.finish(key, entry).forEach(w -> replies.sendError(w, key, entry.model(), lost, headers));
            }
            return false;
        }
        long now = context.currentSystemTimeMs();
        if (call.reissued()) {
            // The LLM was asked already. Another attempt's match (the request re-run after a
            // worker crash) is dropped. The same match again (this task restarted before its
            // commit, or the record published twice) sends the request again only while no
            // attempt has streamed: the one sent before may have been lost.
            if (call.reissuedBy().equals(done.callId()) && untouched) {
                askTheLlm(key, call, now, headers);
            }
            return false;
        }
        SemanticMatch match = done.match();
        CachedAnswer matched = new CachedAnswer(CachedAnswer.SCHEMA_VERSION, match.matchedKey(), entry.namespace(),
                entry.model(), done.content(), done.finishReason(), done.usage(), match.createdAt(), Long.MAX_VALUE,
                done.durationMillis(), null);
        if (untouched && call.acceptsForAll(match, now) && !match.matchedKey().equals(key)
                && !invalidations.removes(matched)) {
            return true;
        }
        inflight.updateSemantic(key, call.reissuedBy(done.callId()));
        askTheLlm(key, call, now, headers);
        return false;
    }

    /** Sends the call's request again, for the LLM itself: no lookup, the question still embedded for the index. */
    private void askTheLlm(String key, SemanticCall call, long now, Headers headers) {
        context.forward(new Record<>(key, call.request().withoutLookup(now), now, headers),
                QueryTopology.LLM_REQUESTS_SINK);
    }

    private void onError(String key, InflightEntry entry, LlmResponse failed, long producedAt, Headers headers) {
        // An attempt that failed after the pinned one stalled (its worker died) speaks for the call.
        if (!entry.acceptsCall(failed.callId()) && !stalled(entry, producedAt)) {
            return;
        }
        inflight.finish(key, entry)
                .forEach(w -> replies.sendError(w, key, entry.model(), failed.error(), headers));
    }

    private boolean stalled(InflightEntry entry, long producedAt) {
        return entry.stalledAt(producedAt, settings.attemptTakeover().toMillis());
    }

    private void sweep(long now) {
        for (InflightStore.Overdue overdue : inflight.removeOverdue(now, settings.sweepBatch())) {
            ErrorInfo timeout = ErrorInfo.upstreamTimeout("The LLM did not answer within "
                    + settings.inflightTimeout().toSeconds() + " s");
            overdue.waiters().forEach(w -> replies.sendError(w, overdue.key(), overdue.entry().model(), timeout, null));
        }
        for (String expired : cache.removeExpired(now, settings.sweepBatch())) {
            context.forward(new Record<>(expired, null, now), QueryTopology.CACHE_ENTRIES_SINK);
        }
    }
}
