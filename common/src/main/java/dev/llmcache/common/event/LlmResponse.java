package dev.llmcache.common.event;

import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.semantic.SemanticVector;

/**
 * Progress of one LLM call, published by the worker to {@code llm-responses}, keyed by cache key.
 * Tokens arrive batched in {@link Type#CHUNK} records; the call ends with exactly one
 * {@link Type#DONE} (carrying the complete content, so a retried call can be reconciled) or
 * {@link Type#ERROR}.
 *
 * @param callId identifies one attempt of the worker; a re-delivered request gets a new one
 * @param seq    position of this record within the call, starting at 0
 * @param cutOff on {@code DONE}: the worker stopped the answer at its size limit (finish reason
 *               {@code length}); passed on, never cached. Null in records written before it existed
 * @param vector on {@code DONE} of an eligible query: its question's embedding, stored with the answer
 *               so the semantic index can find it; null if it was not embedded
 * @param match  on {@code DONE}: the answer is a cached one of a similar question, found by the
 *               semantic lookup (the LLM was not called); never cached under this key. Null otherwise
 */
public record LlmResponse(
        int schemaVersion,
        String cacheKey,
        String generationId,
        String callId,
        int seq,
        Type type,
        String delta,
        String content,
        String finishReason,
        Usage usage,
        ErrorInfo error,
        long firstTokenMillis,
        long durationMillis,
        MessageExtras extras,
        Boolean cutOff,
        SemanticVector vector,
        SemanticMatch match) {

    public static final int SCHEMA_VERSION = 1;

    public enum Type { CHUNK, DONE, ERROR }

    public static LlmResponse chunk(LlmRequest request, String callId, int seq, String delta) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.CHUNK, delta, null, null, null, null, 0, 0, null, null, null, null);
    }

    public static LlmResponse done(LlmRequest request, String callId, int seq, String content,
                                   String finishReason, Usage usage, long firstTokenMillis, long durationMillis) {
        return done(request, callId, seq, content, finishReason, usage, firstTokenMillis, durationMillis, null);
    }

    /** @param extras the answer's tool calls or refusal; null if none */
    public static LlmResponse done(LlmRequest request, String callId, int seq, String content,
                                   String finishReason, Usage usage, long firstTokenMillis, long durationMillis,
                                   MessageExtras extras) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.DONE, null, content, finishReason, usage, null, firstTokenMillis, durationMillis, extras,
                null, null, null);
    }

    /** The answer as far as the worker let it grow: passed on with finish reason {@code length}, not cached. */
    public static LlmResponse cutOff(LlmRequest request, String callId, int seq, String content, Usage usage,
                                     long firstTokenMillis, long durationMillis) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.DONE, null, content, "length", usage, null, firstTokenMillis, durationMillis, null, true, null, null);
    }

    /**
     * The answer of a semantic match: the matched entry's, whole, in one record. Its
     * {@code firstTokenMillis} is how long the lookup took, its {@code durationMillis} how long the
     * matched entry's LLM call took (the time the match saved).
     */
    public static LlmResponse semanticHit(LlmRequest request, String callId, int seq, CachedAnswer matched,
                                          SemanticMatch match, long lookupMillis) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.DONE, null, matched.content(), matched.finishReason(), matched.usage(), null, lookupMillis,
                matched.llmDurationMillis(), matched.extras(), null, null, match);
    }

    /** The same outcome, carrying the question's embedding for the semantic index. */
    public LlmResponse withVector(SemanticVector embedded) {
        return new LlmResponse(schemaVersion, cacheKey, generationId, callId, seq, type, delta, content,
                finishReason, usage, error, firstTokenMillis, durationMillis, extras, cutOff, embedded, match);
    }

    /** Whether this outcome is a semantic match rather than the LLM's own answer. */
    public boolean isSemanticHit() {
        return match != null;
    }

    /** Whether the answer may be cached: complete, as the upstream ended it. */
    public boolean isWhole() {
        return !Boolean.TRUE.equals(cutOff);
    }

    public static LlmResponse error(LlmRequest request, String callId, int seq, ErrorInfo error, long durationMillis) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.ERROR, null, null, null, null, error, 0, durationMillis, null, null, null, null);
    }
}
