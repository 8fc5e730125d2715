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
 * @param attemptChars how much text the pinned attempt has produced: after another attempt took
 *                     over (it starts again from the beginning), less than {@code text}, which is
 *                     what the waiters have; null in entries written before it existed
 * @param lastChunkAt  when the pinned attempt last produced text (or the call started)
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
        Boolean joined,
        Integer attemptChars,
        Long lastChunkAt) {

    public InflightEntry {
        text = text == null ? "" : text;
        // Absent from entries written before they existed.
        joined = joined != null && joined;
        attemptChars = attemptChars == null ? text.length() : attemptChars;
        lastChunkAt = lastChunkAt == null ? startedAt : lastChunkAt;
    }

    /** A new call, started now by {@code starter}. */
    public static InflightEntry start(String generationId, String namespace, String model, long now, long deadline,
                                      boolean store, long ttlMillis, Waiter starter) {
        return new InflightEntry(generationId, namespace, model, now, deadline, store, ttlMillis, null, 0, "",
                starter, false, 0, now);
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
                store || joinerAllowsStore, ttlMillis, pinnedCallId, nextSeq, text, starter, true, attemptChars,
                lastChunkAt);
    }

    /**
     * After a chunk of the pinned attempt.
     *
     * @param fresh         the part of the chunk the waiters did not have yet
     * @param attemptLength how much text the attempt has produced with this chunk
     */
    public InflightEntry withChunk(String callId, int seq, String fresh, int attemptLength, long now) {
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store, ttlMillis, callId, seq + 1, text + fresh, starter, joined, attemptLength, now);
    }

    /** Another attempt of the call now provides the stream, from its beginning. */
    public InflightEntry takenOverBy(String callId, long now) {
        return new InflightEntry(generationId, namespace, model, startedAt, deadline,
                store, ttlMillis, callId, 0, text, starter, joined, 0, now);
    }

    /** Whether a record of {@code callId} belongs to the stream the waiters are receiving. */
    public boolean acceptsCall(String callId) {
        return pinnedCallId == null || pinnedCallId.equals(callId);
    }

    /** Whether the pinned attempt has produced nothing for {@code silence} (its worker may be gone). */
    public boolean stalledAt(long now, long silenceMillis) {
        return now - lastChunkAt >= silenceMillis;
    }
}
