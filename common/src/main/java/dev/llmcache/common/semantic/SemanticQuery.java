package dev.llmcache.common.semantic;

/**
 * A query's request for a semantic match, set by ingest on eligible queries only: the LLM worker
 * looks for a cached answer to a question like {@code question} within {@code scope} before it
 * calls the LLM.
 *
 * @param scope         the exact cache key with the last user message's text left out
 *                      ({@code CacheKey.deriveScope}): namespace, model, parameters, tools, system
 *                      prompt and earlier turns must all be equal for a match
 * @param question      the last user message's text, the only part compared by meaning
 * @param threshold     the least cosine similarity that counts as a match
 * @param maxAgeSeconds the oldest entry the client accepts ({@code Cache-Control: max-age}); null for any
 * @param embedOnly     no lookup, only the question's vector for the answer's entry: the call was
 *                      sent again for the LLM itself after a match could not answer every waiter
 *                      (boxed: records written before it existed read as false)
 */
public record SemanticQuery(String scope, String question, double threshold, Long maxAgeSeconds,
                            Boolean embedOnly) {

    public SemanticQuery {
        embedOnly = embedOnly != null && embedOnly;
    }

    /** The same question, to be embedded for the index but not looked up. */
    public SemanticQuery withoutLookup() {
        return new SemanticQuery(scope, question, threshold, maxAgeSeconds, true);
    }
}
