package dev.llmcache.ingest.api;

import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.semantic.SemanticQuery;
import tools.jackson.databind.node.ObjectNode;

/**
 * A validated query, ready to publish.
 *
 * @param body         the chat-completion request for the upstream, without the client's streaming options
 * @param stream       whether the client asked for an SSE stream
 * @param includeUsage whether the client asked for a usage chunk at the end of the stream
 * @param origin       {@code live} or {@code replay} ({@link ApiHeaders#ORIGIN})
 * @param semantic     its request for a semantic match on a miss; null if not eligible or off
 */
public record ParsedQuery(
        String requestId,
        String tenant,
        String namespace,
        String model,
        String cacheKey,
        ObjectNode body,
        boolean stream,
        boolean includeUsage,
        CacheDirectives directives,
        String origin,
        SemanticQuery semantic) {
}
