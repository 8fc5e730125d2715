package dev.llmcache.processor.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one cache key whose LLM call is running: who waits for it and the text produced so
 * far (replayed to late joiners).
 *
 * @param store        whether the finished answer may be cached (false only if every waiter said no-store)
 * @param ttlMillis    lifetime of the cache entry this call creates
 * @param pinnedCallId the worker attempt whose chunks are streamed; chunks of other attempts are ignored
 * @param nextSeq      the next chunk sequence number expected from the pinned call
 */
public record InflightEntry(
        String generationId,
        String namespace,
        String model,
        long startedAt,
        long deadline,
        boolean store,
        long ttlMillis,
        String pinnedCallId,
        int nextSeq,
        String text,
        List<Waiter> waiters) {

    public InflightEntry {
        text = text == null ? "" : text;
        waiters = waiters == null ? List.of() : List.copyOf(waiters);
    }

    public InflightEntry withWaiter(Waiter waiter, boolean waiterAllowsStore) {
        List<Waiter> joined = new ArrayList<>(waiters);
        joined.add(waiter);
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store || waiterAllowsStore, ttlMillis, pinnedCallId, nextSeq, text, joined);
    }

    public InflightEntry withChunk(String callId, int seq, String delta) {
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store, ttlMillis, callId, seq + 1, text + delta, waiters);
    }

    /** Whether a record of {@code callId} belongs to the stream the waiters are receiving. */
    public boolean acceptsCall(String callId) {
        return pinnedCallId == null || pinnedCallId.equals(callId);
    }
}
