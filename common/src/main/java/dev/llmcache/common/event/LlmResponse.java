package dev.llmcache.common.event;

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
        Boolean cutOff) {

    public static final int SCHEMA_VERSION = 1;

    public enum Type { CHUNK, DONE, ERROR }

    public static LlmResponse chunk(LlmRequest request, String callId, int seq, String delta) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.CHUNK, delta, null, null, null, null, 0, 0, null, null);
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
                Type.DONE, null, content, finishReason, usage, null, firstTokenMillis, durationMillis, extras, null);
    }

    /** The answer as far as the worker let it grow: passed on with finish reason {@code length}, not cached. */
    public static LlmResponse cutOff(LlmRequest request, String callId, int seq, String content, Usage usage,
                                     long firstTokenMillis, long durationMillis) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.DONE, null, content, "length", usage, null, firstTokenMillis, durationMillis, null, true);
    }

    /** Whether the answer may be cached: complete, as the upstream ended it. */
    public boolean isWhole() {
        return !Boolean.TRUE.equals(cutOff);
    }

    public static LlmResponse error(LlmRequest request, String callId, int seq, ErrorInfo error, long durationMillis) {
        return new LlmResponse(SCHEMA_VERSION, request.cacheKey(), request.generationId(), callId, seq,
                Type.ERROR, null, null, null, null, error, 0, durationMillis, null, null);
    }
}
