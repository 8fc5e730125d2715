package dev.llmcache.processor.topology;

import java.time.Duration;

/**
 * Tuning of the dedupe/coalesce topology.
 *
 * @param defaultTtl       lifetime of a cache entry unless the request sets one
 * @param inflightTimeout  how long waiters wait for the LLM before they get an error
 * @param sweepInterval    how often (wall clock) expired entries and overdue calls are swept
 * @param sweepBatch       most entries removed per sweep, to keep each punctuation short
 * @param maxEntriesPerTask cache entries one task keeps; beyond it the entries closest to expiry
 *                          are evicted (RocksDB's key estimate makes this a soft bound)
 * @param attemptTakeover  how long the attempt a call's stream comes from may be silent before
 *                          another attempt of the same call (re-run after a worker died) takes over
 */
public record TopologySettings(Duration defaultTtl, Duration inflightTimeout, Duration sweepInterval, int sweepBatch,
                               long maxEntriesPerTask, Duration attemptTakeover) {
}
