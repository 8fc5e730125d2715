package dev.llmcache.cache.analytics;

import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.LatencyMetric;

/** One input of the window aggregation: a cache event (counts) or a latency metric (timings, tokens, cost). */
record Observation(CacheEvent event, LatencyMetric latency) {

    static Observation of(CacheEvent event) {
        return new Observation(event, null);
    }

    static Observation of(LatencyMetric latency) {
        return new Observation(null, latency);
    }

    String tenant() {
        return event != null ? event.tenant() : latency.tenant();
    }

    String model() {
        return event != null ? event.model() : latency.model();
    }
}
