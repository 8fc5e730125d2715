package dev.llmcache.processor.topology;

/** Names of the topology's state stores (their changelogs are named after them). */
final class StoreNames {

    static final String CACHE = "cache";
    static final String CACHE_EXPIRY = "cache-expiry";
    static final String INFLIGHT = "inflight";
    static final String INFLIGHT_WAITERS = "inflight-waiters";
    static final String INFLIGHT_DEADLINES = "inflight-deadlines";
    static final String INFLIGHT_SEMANTIC = "inflight-semantic";
    static final String INVALIDATIONS = "cache-invalidations";

    private StoreNames() {
    }
}
