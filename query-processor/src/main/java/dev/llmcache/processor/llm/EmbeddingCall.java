package dev.llmcache.processor.llm;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One upstream embeddings request.
 *
 * @param inputs     strings or arrays of token ids, in the order their vectors come back
 * @param dimensions the requested vector size, or null for the model's own
 */
public record EmbeddingCall(String model, List<JsonNode> inputs, Integer dimensions) {

    public EmbeddingCall {
        inputs = List.copyOf(inputs);
    }
}
