package dev.llmcache.processor.topology;

import java.time.Duration;

/**
 * Tuning of the dedupe/coalesce topology.
 *
 * @param defaultTtl       lifetime of a cache entry unless the request sets one
 * @param inflightTimeout  how long waiters wait for the LLM before they get an error
 * @param sweepInterval    how often (wall clock) expired entries and overdue calls are swept
 * @param sweepBatch       most entries removed per sweep, to keep each punctuation short
 */
public record TopologySettings(Duration defaultTtl, Duration inflightTimeout, Duration sweepInterval, int sweepBatch) {

    public static TopologySettings defaults() {
        return new TopologySettings(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(1), 1000);
    }
}
