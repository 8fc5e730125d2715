package dev.llmcache.common.event;

import tools.jackson.databind.node.ObjectNode;

/**
 * One LLM call to make, published by the topology to {@code llm-requests}, keyed by cache key.
 *
 * @param generationId identifies this call's in-flight entry; responses for another generation
 *                     of the same key are ignored
 */
public record LlmRequest(
        int schemaVersion,
        String cacheKey,
        String generationId,
        String model,
        ObjectNode body,
        long createdAt) {

    public static final int SCHEMA_VERSION = 1;
}
