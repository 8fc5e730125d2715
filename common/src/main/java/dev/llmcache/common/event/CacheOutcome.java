package dev.llmcache.common.event;

/** How the pipeline answered one query; also the value of the {@code X-Cache} response header. */
public enum CacheOutcome {
    /** Answered from the cache; the LLM was not called. */
    HIT,
    /** Not cached: this query started an LLM call. */
    MISS,
    /** Joined an identical query whose LLM call was already running. */
    COALESCED,
    /** {@code Cache-Control: no-cache}: the lookup was skipped and the LLM called. */
    BYPASS,
    /** Answered with the cached answer of a similar question in the same scope; the LLM was not called. */
    SEMANTIC_HIT
}
