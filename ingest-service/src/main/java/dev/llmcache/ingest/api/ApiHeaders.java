package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.trace.RequestTracing;
/** HTTP headers of the API (the request id header is {@code RequestTracing.REQUEST_ID_HEADER}). */
public final class ApiHeaders {

    /** Response: HIT, MISS, COALESCED, BYPASS or SEMANTIC_HIT. */
    public static final String CACHE = "X-Cache";
    /** Response, on a hit: the tier that answered, {@code memory}, {@code redis} or {@code store}. */
    public static final String CACHE_TIER = "X-Cache-Tier";
    /** Of an embeddings request: how many of its inputs came from the cache, e.g. {@code 90/100}. */
    public static final String CACHE_HITS = "X-Cache-Hits";
    public static final String CACHE_KEY = "X-Cache-Key";
    /** Request: {@code on} or {@code off}, the semantic cache for this request whatever the namespace's default. */
    public static final String CACHE_SEMANTIC = "X-Cache-Semantic";
    /** Request: the least similarity (0..1) of a semantic match, within the configured bounds. */
    public static final String CACHE_SEMANTIC_THRESHOLD = "X-Cache-Semantic-Threshold";
    /** Response, on a semantic hit: the similarity of the question to the matched one. */
    public static final String CACHE_SIMILARITY = "X-Cache-Similarity";
    /** Response, on a semantic hit: the cache key of the entry that answered. */
    public static final String CACHE_MATCHED_KEY = "X-Cache-Matched-Key";
    public static final String TENANT = "X-Tenant-ID";
    /** Request: cache in this namespace instead of the tenant's. */
    public static final String CACHE_NAMESPACE = "X-Cache-Namespace";
    /** Request: lifetime in seconds of the entry this request creates. */
    public static final String CACHE_TTL = "X-Cache-TTL";
    /** Request: {@code live} (the default) or {@code replay}; reported on the metric topics and in Prometheus. */
    public static final String ORIGIN = "X-Llmcache-Origin";
    /** What a tenant or namespace name may be, in headers and in the API key configuration. */
    public static final java.util.regex.Pattern NAME = dev.llmcache.common.key.CacheKey.NAME;

    private ApiHeaders() {
    }

    /** The {@link #CACHE_SIMILARITY} value of a semantic hit: four decimals. */
    public static String similarity(dev.llmcache.common.semantic.SemanticMatch match) {
        return String.format(java.util.Locale.ROOT, "%.4f", match.similarity());
    }

    /** The {@link #CACHE_TIER} value of a hit: its tier in lower case, {@code store} for the processor's. */
    public static String tierOf(Answer hit) {
        String tier = hit.tier() == null ? Answer.STATE_STORE : hit.tier();
        return Answer.STATE_STORE.equals(tier) ? "store" : tier.toLowerCase(java.util.Locale.ROOT);
    }
}
