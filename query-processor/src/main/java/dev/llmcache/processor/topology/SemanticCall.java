package dev.llmcache.processor.topology;

import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.semantic.SemanticQuery;

/**
 * A running call whose worker looks for a semantic match first: its request (to call the LLM
 * after all, without the lookup, if the match cannot answer every waiter) and what the waiters
 * that joined meanwhile accept. A joiner that declines semantic answers ({@code no-cache},
 * {@code X-Cache-Semantic: off}), asks for a higher threshold or a younger entry narrows what a
 * match may be; the call then answers everyone from the LLM rather than some from another key.
 *
 * @param minSimilarity  the least similarity every waiter accepts
 * @param maxAgeSeconds  the oldest matched entry every waiter accepts; null for any age
 * @param declined       a waiter accepts no semantic answer at all
 * @param reissuedBy     the attempt whose match made the call ask the LLM after all (the request
 *                       was sent again without the lookup); null while it was not
 */
record SemanticCall(LlmRequest request, double minSimilarity, Long maxAgeSeconds, boolean declined,
                    String reissuedBy) {

    static SemanticCall of(LlmRequest request) {
        SemanticQuery asked = request.semantic();
        return new SemanticCall(request, asked.threshold(), asked.maxAgeSeconds(), false, null);
    }

    SemanticCall reissuedBy(String callId) {
        return new SemanticCall(request, minSimilarity, maxAgeSeconds, declined, callId);
    }

    /** Whether the LLM was asked after all. */
    boolean reissued() {
        return reissuedBy != null;
    }

    /**
     * What is left acceptable once a request with {@code joiner}'s terms (null: none) joined; this
     * same instance if nothing changes (most joiners ask the same: no write).
     */
    SemanticCall joinedBy(SemanticQuery joiner) {
        if (joiner == null) {
            return declined ? this : new SemanticCall(request, minSimilarity, maxAgeSeconds, true, reissuedBy);
        }
        Long maxAge = maxAgeSeconds;
        if (maxAge == null || (joiner.maxAgeSeconds() != null && joiner.maxAgeSeconds() < maxAge)) {
            maxAge = joiner.maxAgeSeconds();
        }
        double similarity = Math.max(minSimilarity, joiner.threshold());
        if (similarity == minSimilarity && java.util.Objects.equals(maxAge, maxAgeSeconds)) {
            return this;
        }
        return new SemanticCall(request, similarity, maxAge, declined, reissuedBy);
    }

    /** Whether every waiter accepts {@code match} at {@code now}. */
    boolean acceptsForAll(SemanticMatch match, long now) {
        return !declined && SemanticMatch.reaches(match.similarity(), minSimilarity)
                && (maxAgeSeconds == null || now - match.createdAt() <= maxAgeSeconds * 1000);
    }
}
