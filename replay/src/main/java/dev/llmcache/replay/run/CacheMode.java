package dev.llmcache.replay.run;

/** How a replay uses the cache ({@code --cache}), as the product's {@code Cache-Control} request header says it. */
public enum CacheMode {
    /** Answers from the cache where there are some; new answers are cached: warms a cache. */
    use(null),
    /** Every request goes to the LLM and its answer replaces the cached one. */
    refresh("no-cache"),
    /** Every request goes to the LLM; nothing is cached: an evaluation that leaves no trace. */
    bypass("no-cache, no-store"),
    /** Answers from the cache where there are some; new answers are not cached. */
    no_store("no-store");

    private final String cacheControl;

    CacheMode(String cacheControl) {
        this.cacheControl = cacheControl;
    }

    /** The header's value; null for none. */
    public String cacheControl() {
        return cacheControl;
    }

    /** Parses {@code use}, {@code refresh}, {@code bypass} or {@code no-store}. */
    public static CacheMode parse(String text) {
        return valueOf(text.trim().replace('-', '_'));
    }
}
