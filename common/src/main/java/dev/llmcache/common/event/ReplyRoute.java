package dev.llmcache.common.event;

/**
 * Where the answers for one query go: the ingest instance's reply topic and partition.
 * A partition of {@code -1} means "partition by request id" (every instance reads every partition).
 */
public record ReplyRoute(String topic, int partition) {

    public static final int ANY_PARTITION = -1;
}
