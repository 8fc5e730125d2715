package dev.llmcache.ingest.api;

import dev.llmcache.common.event.CacheDirectives;
import java.util.Locale;

/** Reads the request's {@code Cache-Control} and {@code X-Cache-TTL} headers. */
final class CacheControlParser {

    /** Longest TTL a request may ask for: 30 days. */
    static final long MAX_TTL_SECONDS = 30L * 24 * 3600;

    private CacheControlParser() {
    }

    static CacheDirectives parse(String cacheControl, String ttlHeader) {
        boolean noCache = false;
        boolean noStore = false;
        Long maxAge = null;
        if (cacheControl != null && !cacheControl.isBlank()) {
            for (String raw : cacheControl.split(",")) {
                String directive = raw.strip().toLowerCase(Locale.ROOT);
                if (directive.equals("no-cache")) {
                    noCache = true;
                } else if (directive.equals("no-store")) {
                    noStore = true;
                } else if (directive.startsWith("max-age=")) {
                    long seconds = seconds(directive.substring("max-age=".length()), "Cache-Control max-age",
                            Long.MAX_VALUE / 1000);
                    maxAge = maxAge == null ? seconds : Math.min(maxAge, seconds); // given twice: the stricter
                }
                // Other directives (e.g. max-stale) do not apply to this cache and are ignored, as HTTP caches do.
            }
        }
        Long ttl = ttlHeader == null ? null : seconds(ttlHeader.strip(), ApiHeaders.CACHE_TTL, MAX_TTL_SECONDS);
        if (ttl != null && ttl == 0) {
            throw ApiException.invalid(ApiHeaders.CACHE_TTL, ApiHeaders.CACHE_TTL + " must be at least 1 second");
        }
        return new CacheDirectives(noCache, noStore, maxAge, ttl);
    }

    private static long seconds(String value, String what, long max) {
        try {
            long seconds = Long.parseLong(value.replace("\"", ""));
            if (seconds < 0 || seconds > max) {
                throw ApiException.invalid(what, what + " must be between 0 and " + max + " seconds");
            }
            return seconds;
        } catch (NumberFormatException e) {
            throw ApiException.invalid(what, what + " must be a whole number of seconds, got '" + value + "'");
        }
    }
}
