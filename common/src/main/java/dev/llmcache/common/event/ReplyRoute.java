package dev.llmcache.common.event;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Where the answers for one query go: the ingest instance's reply topic and partition.
 * A partition of {@code -1} means "partition by request id" (every instance reads every partition).
 */
public record ReplyRoute(String topic, int partition) {

    public static final int ANY_PARTITION = -1;

    /**
     * The partition of the reply topic an answer about {@code cacheKey} goes to: the route's own, or
     * without one (or one the topic does not have) the cache key's, so that all answers of one call
     * share a partition and arrive in order, whoever sends them (the processor or the LLM worker).
     */
    public int partitionFor(String cacheKey, int numPartitions) {
        if (partition != ANY_PARTITION && partition < numPartitions) {
            return partition;
        }
        return Utils.toPositive(Utils.murmur2(cacheKey.getBytes(StandardCharsets.UTF_8))) % numPartitions;
    }
}
