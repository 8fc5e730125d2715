package dev.llmcache.processor.topology;

/**
 * The state of one cache key whose LLM call is running: the text produced so far (replayed to late
 * joiners). Who waits for it is kept apart, one record per waiter (see {@link InflightStore}), so
 * that a join costs one small write however many waiters there are.
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
        String text) {

    public InflightEntry {
        text = text == null ? "" : text;
    }

    /** The answer may be cached once any waiter allows it. */
    public InflightEntry storable() {
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                true, ttlMillis, pinnedCallId, nextSeq, text);
    }

    public InflightEntry withChunk(String callId, int seq, String delta) {
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store, ttlMillis, callId, seq + 1, text + delta);
    }

    /** Whether a record of {@code callId} belongs to the stream the waiters are receiving. */
    public boolean acceptsCall(String callId) {
        return pinnedCallId == null || pinnedCallId.equals(callId);
    }
}
