package dev.llmcache.common.event;

import dev.llmcache.common.semantic.SemanticQuery;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client's query as published by ingest to the {@code queries} topic, keyed by cache key.
 *
 * @param body       the OpenAI chat-completion request as the upstream will receive it
 *                   (without the client's streaming options)
 * @param receivedAt epoch millis when ingest accepted the request
 * @param semantic   its request for a semantic match on a miss; null if not eligible or off
 */
public record QueryRequest(
        int schemaVersion,
        String requestId,
        String tenant,
        String namespace,
        String model,
        String cacheKey,
        ObjectNode body,
        CacheDirectives cache,
        ReplyRoute replyTo,
        long receivedAt,
        String clientRequestId,
        SemanticQuery semantic) {

    public static final int SCHEMA_VERSION = 1;

    public QueryRequest(int schemaVersion, String requestId, String tenant, String namespace, String model,
                        String cacheKey, ObjectNode body, CacheDirectives cache, ReplyRoute replyTo, long receivedAt,
                        String clientRequestId) {
        this(schemaVersion, requestId, tenant, namespace, model, cacheKey, body, cache, replyTo, receivedAt,
                clientRequestId, null);
    }
}
