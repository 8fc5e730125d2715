package dev.llmcache.processor.topology;

/**
 * The state of one cache key whose LLM call is running: the text produced so far (replayed to late
 * joiners) and the request that started it. Requests that join later are kept apart, one record per
 * joiner (see {@link InflightStore}), so that a join costs one small write however many waiters
 * there are, and a call nobody joined (most of them) streams its chunks without reading any.
 *
 * @param store        whether the finished answer may be cached (false only if every waiter said no-store)
 * @param ttlMillis    lifetime of the cache entry this call creates
 * @param pinnedCallId the worker attempt whose chunks are streamed; chunks of other attempts are ignored
 * @param nextSeq      the next chunk sequence number expected from the pinned call
 * @param starter      the request that started the call; null in entries written before it was kept
 *                     here, whose starter is among the joiner records
 * @param joined       whether any request joined the call (then there are joiner records to read)
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
        Waiter starter,
        Boolean joined) {

    public InflightEntry {
        text = text == null ? "" : text;
        // Absent from entries written before it existed.
        joined = joined != null && joined;
    }

    /**
     * The entry once another request joined; the answer may be cached once any waiter allows it.
     * The same instance when nothing changes, so the caller can skip the write.
     */
    public InflightEntry withJoiner(boolean joinerAllowsStore) {
        if (joined && (store || !joinerAllowsStore)) {
            return this;
        }
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store || joinerAllowsStore, ttlMillis, pinnedCallId, nextSeq, text, starter, true);
    }

    public InflightEntry withChunk(String callId, int seq, String delta) {
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store, ttlMillis, callId, seq + 1, text + delta, starter, joined);
    }

    /** Whether a record of {@code callId} belongs to the stream the waiters are receiving. */
    public boolean acceptsCall(String callId) {
        return pinnedCallId == null || pinnedCallId.equals(callId);
    }
}
