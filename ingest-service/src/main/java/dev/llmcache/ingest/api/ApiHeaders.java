package dev.llmcache.ingest.api;

import dev.llmcache.common.trace.RequestTracing;
/** HTTP headers of the API (the request id header is {@code RequestTracing.REQUEST_ID_HEADER}). */
public final class ApiHeaders {

    /** Response: HIT, MISS, COALESCED or BYPASS. */
    public static final String CACHE = "X-Cache";
    public static final String CACHE_KEY = "X-Cache-Key";
    public static final String TENANT = "X-Tenant-ID";
    /** Request: cache in this namespace instead of the tenant's. */
    public static final String CACHE_NAMESPACE = "X-Cache-Namespace";
    /** Request: lifetime in seconds of the entry this request creates. */
    public static final String CACHE_TTL = "X-Cache-TTL";

    private ApiHeaders() {
    }
}
