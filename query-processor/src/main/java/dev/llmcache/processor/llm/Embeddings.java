package dev.llmcache.processor.llm;

import java.util.List;

/**
 * The answer to an {@link EmbeddingCall}: one vector per input, in the inputs' order.
 *
 * @param promptTokens the tokens of all inputs together (what the upstream counted)
 */
public record Embeddings(List<float[]> vectors, long promptTokens) {

    public Embeddings {
        vectors = List.copyOf(vectors);
    }
}
