package dev.llmcache.common.event;

import dev.llmcache.common.semantic.SemanticQuery;
import tools.jackson.databind.node.ObjectNode;

/**
 * One LLM call to make, published by the topology to {@code llm-requests}, keyed by cache key.
 *
 * @param generationId identifies this call's in-flight entry; responses for another generation
 *                     of the same key are ignored
 * @param deadline     epoch millis after which nobody waits for the answer any more (the topology
 *                     has failed the call's waiters): the worker does not call the LLM for it;
 *                     {@code 0} for none (records written before deadlines existed)
 * @param starter      the request that started the call: the worker sends it the first token straight
 *                     away ({@link Answer#direct()}); null for none (records written before it existed)
 * @param semantic     the query's request for a semantic match, looked for before the LLM is called;
 *                     null if the query is not eligible (or the feature is off for it)
 */
public record LlmRequest(
        int schemaVersion,
        String cacheKey,
        String generationId,
        String model,
        ObjectNode body,
        long createdAt,
        long deadline,
        Starter starter,
        SemanticQuery semantic) {

    public static final int SCHEMA_VERSION = 1;

    public LlmRequest(int schemaVersion, String cacheKey, String generationId, String model, ObjectNode body,
                      long createdAt, long deadline, Starter starter) {
        this(schemaVersion, cacheKey, generationId, model, body, createdAt, deadline, starter, null);
    }

    /**
     * The same call made again at {@code now}, for the LLM itself: no semantic lookup, but the
     * question is still embedded so that the answer's entry joins the index.
     */
    public LlmRequest withoutLookup(long now) {
        return new LlmRequest(schemaVersion, cacheKey, generationId, model, body, now, deadline, starter,
                semantic == null ? null : semantic.withoutLookup());
    }

    /**
     * Where the call's first token goes without waiting for the processor: the starting request's
     * reply id and route, its outcome ({@code MISS} or {@code BYPASS}) and the client's request id.
     */
    public record Starter(String requestId, ReplyRoute replyTo, CacheOutcome outcome, String clientRequestId) {
    }
}
