package dev.llmcache.replay.run;

import java.time.Duration;
import java.util.Optional;

/**
 * When a replayed request is sent again, and after how long: a 429 or 503 after the server's
 * {@code Retry-After} (capped), a 502, 503 or 504 and a request that got no answer with exponential
 * backoff; at most {@code maxRetries} times. Anything else (a 400, a 401, a 200) is final.
 */
public record RetryPolicy(int maxRetries, Duration firstBackoff, Duration maxWait) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(60));

    /**
     * @param retriesSoFar how many times it was already sent again
     * @param retryAfter   the response's {@code Retry-After} header, if any
     * @return how long to wait before sending it again; empty if it is not sent again
     */
    public Optional<Duration> nextWait(Exchange exchange, int retriesSoFar, String retryAfter) {
        if (retriesSoFar >= maxRetries) {
            return Optional.empty();
        }
        int status = exchange.status();
        boolean transient_ = status == 0 || status == 502 || status == 503 || status == 504 || status == 429;
        if (!transient_) {
            return Optional.empty();
        }
        Duration backoff = firstBackoff.multipliedBy(1L << Math.min(20, retriesSoFar));
        Duration wait = (status == 429 || status == 503) ? retryAfter(retryAfter).orElse(backoff) : backoff;
        return Optional.of(wait.compareTo(maxWait) > 0 ? maxWait : wait);
    }

    /** {@code Retry-After} in seconds (the product's form; an HTTP date is not used by it). */
    static Optional<Duration> retryAfter(String header) {
        if (header == null) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
