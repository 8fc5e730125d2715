package dev.llmcache.common.topic;

import java.util.List;

/**
 * The topic catalog. Every name carries one configurable prefix so that several deployments can
 * share a cluster.
 */
public record Topics(String prefix) {

    public Topics {
        prefix = prefix == null ? "" : prefix;
    }

    /** One topic the product creates: its name and whether it is log-compacted. */
    public record Spec(String name, boolean compacted) {
    }

    public String queries() {
        return prefix + "queries";
    }

    public String llmRequests() {
        return prefix + "llm-requests";
    }

    public String llmResponses() {
        return prefix + "llm-responses";
    }

    public String answers() {
        return prefix + "answers";
    }

    /** The durable cache log, compacted: the latest entry per cache key, or its tombstone. */
    public String cacheEntries() {
        return prefix + "cache-entries";
    }

    /** The data-plane topics: all keyed by cache key, so they must share one partition count. */
    public List<Spec> dataPlane() {
        return List.of(
                new Spec(queries(), false),
                new Spec(llmRequests(), false),
                new Spec(llmResponses(), false),
                new Spec(cacheEntries(), true));
    }
}
