package dev.llmcache.common.event;

import dev.llmcache.common.semantic.SemanticMatch;

import java.util.List;

/**
 * What the topology tells one waiting request, published to {@code answers}, keyed by request id.
 *
 * <p>Every request first receives a record carrying its {@link CacheOutcome}: {@link Type#STARTED}
 * for misses and joiners (tokens follow as {@link Type#CHUNK}s), or directly {@link Type#DONE} for a
 * hit. A stream ends with exactly one {@code DONE} or {@code ERROR}.
 *
 * @param content   on {@code DONE}: the complete answer text
 * @param createdAt on {@code DONE}: when the answer was produced by the LLM (epoch millis)
 * @param timings   what the pipeline measured for this request, where known
 * @param requestIds for a token chunk or a {@code DONE} shared by several waiters of one reply
 *                   route: all of them ({@code requestId} and {@code outcome} are then null); one
 *                   record instead of one per waiter keeps a storm's fan-out small
 * @param extras     on {@code DONE}: the answer's tool calls or refusal, if any
 * @param at         on {@code CHUNK}: where {@code delta} starts in the answer's text (in chars),
 *                   the same for every waiter of a call; lets ingest drop text it already delivered
 *                   (re-sent after a crash) and see text that never arrived; null in records
 *                   written before it existed
 * @param tier       on a hit's {@code DONE}: the cache tier that answered ({@link #STATE_STORE},
 *                   {@link #MEMORY} or {@link #REDIS}); null otherwise, and in records written before it existed
 * @param direct     on {@code CHUNK}: true if the LLM worker sent it straight to the request that started the
 *                   call (one Kafka hop less to its first token), ahead of the same text coming through the
 *                   processor; only that copy speaks for the call, so a direct chunk counts only while the
 *                   request has no text yet (else it is dropped, never an error). Null otherwise
 * @param semantic   on {@code DONE}: the query was answered by a semantic match (the entry of a similar
 *                   question; the LLM was not called), for every recipient; null otherwise
 */
public record Answer(
        int schemaVersion,
        String requestId,
        String cacheKey,
        Type type,
        CacheOutcome outcome,
        String model,
        String delta,
        String content,
        String finishReason,
        Usage usage,
        ErrorInfo error,
        long createdAt,
        Timings timings,
        List<String> requestIds,
        MessageExtras extras,
        Integer at,
        String tier,
        Boolean direct,
        SemanticMatch semantic) {

    public static final int SCHEMA_VERSION = 1;

    /** Cache tiers, as in {@code cache-events}: the processor's state store, an ingest's memory, Redis. */
    public static final String STATE_STORE = "STATE_STORE";
    public static final String MEMORY = "MEMORY";
    public static final String REDIS = "REDIS";

    public enum Type { STARTED, CHUNK, DONE, ERROR }

    /**
     * @param queueMillis         from ingest accepting the query to the processor deciding it
     * @param llmFirstTokenMillis the LLM call's time to first token (answers of a call)
     * @param llmMillis           the LLM call's duration (answers of a call)
     * @param savedMillis         on a hit: what the original LLM call took
     */
    public record Timings(Long queueMillis, Long llmFirstTokenMillis, Long llmMillis, Long savedMillis) {

        public static Timings queued(long queueMillis) {
            return new Timings(queueMillis, null, null, null);
        }
    }

    public static Answer started(QueryRequest q, CacheOutcome outcome, long queueMillis) {
        return new Answer(SCHEMA_VERSION, q.requestId(), q.cacheKey(), Type.STARTED, outcome, q.model(),
                null, null, null, null, null, 0, Timings.queued(queueMillis), null, null, null, null, null, null);
    }

    public static Answer chunk(String requestId, String cacheKey, CacheOutcome outcome, String model, String delta,
                               int at) {
        return new Answer(SCHEMA_VERSION, requestId, cacheKey, Type.CHUNK, outcome, model,
                delta, null, null, null, null, 0, null, null, null, at, null, null, null);
    }

    /**
     * The call's first token, sent by the LLM worker straight to the request that started it.
     *
     * @see #direct()
     */
    public static Answer directChunk(String requestId, String cacheKey, CacheOutcome outcome, String model,
                                     String delta) {
        return new Answer(SCHEMA_VERSION, requestId, cacheKey, Type.CHUNK, outcome, model,
                delta, null, null, null, null, 0, null, null, null, 0, null, true, null);
    }

    /** One chunk for several waiters of the same reply route. */
    public static Answer sharedChunk(List<String> requestIds, String cacheKey, String model, String delta, int at) {
        return new Answer(SCHEMA_VERSION, null, cacheKey, Type.CHUNK, null, model,
                delta, null, null, null, null, 0, null, List.copyOf(requestIds), null, at, null, null, null);
    }

    /** The same chunk with another text at another position (what is left of it after a dedupe). */
    public Answer withDelta(String text, int position) {
        return new Answer(schemaVersion, requestId, cacheKey, type, outcome, model, text, content, finishReason,
                usage, error, createdAt, timings, requestIds, extras, position, tier, direct, semantic);
    }

    public static Answer done(String requestId, String cacheKey, CacheOutcome outcome, String model, String content,
                              String finishReason, Usage usage, long createdAt, Timings timings) {
        return done(requestId, cacheKey, outcome, model, content, finishReason, usage, createdAt, timings, null);
    }

    public static Answer done(String requestId, String cacheKey, CacheOutcome outcome, String model, String content,
                              String finishReason, Usage usage, long createdAt, Timings timings,
                              MessageExtras extras) {
        return new Answer(SCHEMA_VERSION, requestId, cacheKey, Type.DONE, outcome, model,
                null, content, finishReason, usage, null, createdAt, timings, null, extras, null, null, null, null);
    }

    /** The complete answer for several waiters of the same reply route. */
    public static Answer sharedDone(List<String> requestIds, String cacheKey, String model, String content,
                                    String finishReason, Usage usage, long createdAt, Timings timings,
                                    MessageExtras extras) {
        return new Answer(SCHEMA_VERSION, null, cacheKey, Type.DONE, null, model,
                null, content, finishReason, usage, null, createdAt, timings, List.copyOf(requestIds), extras, null,
                null, null, null);
    }

    /** The same final answer, marked as given by a semantic match. */
    public Answer withSemantic(SemanticMatch match) {
        return new Answer(schemaVersion, requestId, cacheKey, type, outcome, model, delta, content, finishReason,
                usage, error, createdAt, timings, requestIds, extras, at, tier, direct, match);
    }

    /**
     * How a request was answered: as the pipeline decided it first ({@code decided}, the first of
     * its answers with an outcome), unless {@code answer} says a semantic match answered it, which
     * is known only from the answer itself.
     */
    public static CacheOutcome outcomeOf(Answer decided, Answer answer) {
        if (answer != null && answer.isSemanticHit()) {
            return CacheOutcome.SEMANTIC_HIT;
        }
        return decided == null ? null : decided.outcome();
    }

    /** Whether a semantic match answered the query (the LLM was not called). */
    public boolean isSemanticHit() {
        return semantic != null;
    }

    /** A hit: the cached answer, told by {@code tier}. */
    public static Answer hit(String requestId, CachedAnswer cached, String model, long queueMillis, String tier) {
        return new Answer(SCHEMA_VERSION, requestId, cached.cacheKey(), Type.DONE, CacheOutcome.HIT, model,
                null, cached.content(), cached.finishReason(), cached.usage(), null, cached.createdAt(),
                new Timings(queueMillis, null, null, cached.llmDurationMillis()), null, cached.extras(), null, tier, null, null);
    }

    public static Answer error(String requestId, String cacheKey, CacheOutcome outcome, String model, ErrorInfo error) {
        return new Answer(SCHEMA_VERSION, requestId, cacheKey, Type.ERROR, outcome, model,
                null, null, null, null, error, 0, null, null, null, null, null, null, null);
    }

    /** The requests this record is for. */
    public List<String> recipients() {
        return requestIds != null ? requestIds : List.of(requestId);
    }

    /** Whether this is a chunk sent straight by the LLM worker ({@link #direct()}). */
    public boolean isDirect() {
        return Boolean.TRUE.equals(direct);
    }

    public boolean isTerminal() {
        return type == Type.DONE || type == Type.ERROR;
    }
}
