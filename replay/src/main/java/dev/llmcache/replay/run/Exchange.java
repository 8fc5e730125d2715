package dev.llmcache.replay.run;

import tools.jackson.databind.JsonNode;

/**
 * What came back for one replayed request, after retries: the HTTP answer (status 0 if none
 * arrived) and the pipeline's view of it from the response headers.
 *
 * @param body           the response body as JSON; null if there was none, or it was not JSON
 * @param outcome        {@code X-Cache}: HIT, MISS, COALESCED or BYPASS; null if the product said none
 * @param latencyMillis  from sending the last attempt to its whole answer
 * @param headMillis     from sending the last attempt to its response head
 * @param attempts       how many times it was sent
 * @param transportError why no HTTP answer arrived (connection refused, timeout); null if one did
 * @param refused        the product refused the connection: it is not there (down, wrong address)
 * @param startedAt      when the last attempt was sent (epoch millis)
 */
public record Exchange(int status, String requestId, JsonNode body, String outcome, String tier, String cacheKey,
                       double latencyMillis, double headMillis, int attempts, String transportError, boolean refused,
                       long startedAt) {

    public Exchange withAttempts(int count) {
        return new Exchange(status, requestId, body, outcome, tier, cacheKey, latencyMillis, headMillis, count,
                transportError, refused, startedAt);
    }

    public static Exchange failed(String transportError, boolean refused, double latencyMillis, long startedAt) {
        return new Exchange(0, null, null, null, null, null, latencyMillis, 0, 1, transportError, refused, startedAt);
    }
}
