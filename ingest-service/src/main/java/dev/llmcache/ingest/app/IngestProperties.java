package dev.llmcache.ingest.app;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The HTTP edge.
 *
 * @param maxBodySize         largest accepted request body; larger ones get 413
 * @param maxInflightRequests requests waiting for an answer at once; more get 503
 * @param requestTimeout      longest a client waits for a complete answer
 * @param publishTimeout      longest a query waits for Kafka to take it; then 503 (Kafka unavailable)
 * @param kafkaOutageGrace    how long Kafka may be unreachable before waiting requests end with 503
 *                            and new ones are refused at once (until it is reachable again)
 * @param replyPartitions     partitions of the answers topic this instance owns; empty means "read
 *                            all partitions" (fine for a few instances)
 * @param defaultTenant       tenant of requests without an {@code X-Tenant-ID} header
 * @param sharedNamespace     if set, every tenant caches in this namespace instead of its own
 * @param edge                the edge cache tiers in front of the Kafka path
 */
@ConfigurationProperties("llmcache.ingest")
public record IngestProperties(
        @DefaultValue("1MB") DataSize maxBodySize,
        @DefaultValue("10000") int maxInflightRequests,
        @DefaultValue("360s") Duration requestTimeout,
        @DefaultValue("3s") Duration publishTimeout,
        @DefaultValue("5s") Duration kafkaOutageGrace,
        @DefaultValue List<Integer> replyPartitions,
        @DefaultValue("default") String defaultTenant,
        String sharedNamespace,
        @DefaultValue Edge edge) {

    /** @param memory the in-memory tier of this instance */
    public record Edge(@DefaultValue Memory memory) {
    }

    /**
     * @param enabled whether this instance answers hits from its memory
     * @param size    heap the tier may take (estimated from the answers' lengths)
     */
    public record Memory(@DefaultValue("true") boolean enabled, @DefaultValue("128MB") DataSize size) {
    }
}
