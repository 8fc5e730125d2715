package dev.llmcache.ingest.edge;

import dev.llmcache.common.event.CachedAnswer;

/**
 * A cached answer found at the edge.
 *
 * @param tier the tier that had it, as in {@code cache-events} (e.g. {@code MEMORY})
 */
public record EdgeHit(CachedAnswer answer, String tier) {
}
