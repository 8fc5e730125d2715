package dev.llmcache.common.event;

/**
 * Per-request cache control, parsed from the {@code Cache-Control} and {@code X-Cache-TTL}
 * request headers.
 *
 * @param noCache       skip the lookup, call the LLM and refresh the entry
 * @param noStore       do not store this request's answer
 * @param maxAgeSeconds accept only an entry younger than this; {@code null} for any age
 * @param ttlSeconds    lifetime of the entry this request creates; {@code null} for the default
 */
public record CacheDirectives(boolean noCache, boolean noStore, Long maxAgeSeconds, Long ttlSeconds) {

    public static final CacheDirectives DEFAULT = new CacheDirectives(false, false, null, null);

    /** Whether this request may be answered with {@code cached} at {@code now}: alive and young enough. */
    public boolean accepts(CachedAnswer cached, long now) {
        return !noCache && !cached.isExpiredAt(now)
                && (maxAgeSeconds == null || cached.ageMillisAt(now) <= maxAgeSeconds * 1000);
    }
}
