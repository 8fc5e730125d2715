package dev.llmcache.common.embedding;

import dev.llmcache.common.serde.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One input of an embeddings request, as it travels the pipeline: a query of its own, with its own
 * cache key, whose answer's content is the vector ({@link Vectors}). Its body holds what can change
 * the vector (model, the input, dimensions) and nothing else, so that the same text asked in
 * different requests, alone or among others, is one cache entry.
 *
 * @param input      a string, or an array of token ids
 * @param dimensions the requested size of the vector, or null for the model's own
 */
public record EmbeddingItem(String model, JsonNode input, Integer dimensions) {

    /** Marks an item body apart from a chat-completion body (which has {@code messages}). */
    static final String INPUT = "input";

    /** Whether {@code body} is an embedding item rather than a chat-completion request. */
    public static boolean isItem(JsonNode body) {
        return body != null && body.has(INPUT) && !body.has("messages");
    }

    public static EmbeddingItem of(JsonNode body) {
        JsonNode dimensions = body.get("dimensions");
        return new EmbeddingItem(body.path("model").asString(), body.get(INPUT),
                dimensions == null || dimensions.isNull() ? null : dimensions.asInt());
    }

    public ObjectNode body() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", model);
        body.set(INPUT, input);
        if (dimensions != null) {
            body.put("dimensions", dimensions);
        }
        return body;
    }

    /** Its cache key in {@code namespace} ({@link dev.llmcache.common.key.CacheKey#deriveEmbedding}). */
    public String cacheKey(String namespace) {
        return dev.llmcache.common.key.CacheKey.deriveEmbedding(namespace, model, dimensions, input);
    }

    /** The input's text, or null for token ids. */
    public String text() {
        return input.isString() ? input.stringValue() : null;
    }
}
