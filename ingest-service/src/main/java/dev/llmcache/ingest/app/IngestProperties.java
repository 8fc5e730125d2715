package dev.llmcache.ingest.app;

import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * @param auth                API keys and the tenants they stand for; none means the product runs open
 * @param rateLimits          request and token budgets per tenant
 * @param limits              bounds on what one request may contain
 * @param batch               the OpenAI Files and Batch APIs
 * @param semantic            which chat queries may be answered by a similar question's cached answer
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
        @DefaultValue Edge edge,
        @DefaultValue Auth auth,
        @DefaultValue RateLimits rateLimits,
        @DefaultValue Limits limits,
        @DefaultValue Batch batch,
        @DefaultValue Semantic semantic) {

    /**
     * @param maxMessages      messages in one request
     * @param maxMessageLength characters of one message's content (text parts together)
     * @param maxTools         tools in one request
     * @param maxHeaderSize    all request headers together (names and values); larger gets 431
     */
    public record Limits(
            @DefaultValue("2048") int maxMessages,
            @DefaultValue("1048576") int maxMessageLength,
            @DefaultValue("128") int maxTools,
            @DefaultValue("16KB") DataSize maxHeaderSize) {
    }

    /** @param keys the accepted API keys; with none, requests need no key (and headers name the tenant) */
    public record Auth(List<ApiKey> keys) {
        public Auth {
            keys = keys == null ? List.of() : List.copyOf(keys);
        }
    }

    /**
     * One API key.
     *
     * @param id         a name for the key, used in logs and metrics instead of the key
     * @param sha256     the SHA-256 of the key in hex ({@code printf %s KEY | sha256sum}); the key itself
     *                   is never configured
     * @param tenant     the tenant its requests are served as
     * @param namespaces further cache namespaces it may name in {@code X-Cache-Namespace} (its tenant's
     *                   own is always allowed)
     * @param revoked    refuse the key (401) while keeping it on record
     */
    public record ApiKey(String id, String sha256, String tenant, List<String> namespaces, boolean revoked) {
        public ApiKey {
            namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        }
    }

    /**
     * Token-bucket budgets per tenant, refilled continuously over a minute. 0 means unlimited.
     *
     * @param requestsPerMinute requests a tenant may send per minute
     * @param tokensPerMinute   LLM tokens (prompt and completion) a tenant may spend per minute
     * @param hitWeight         what a cache hit costs against both budgets, as a fraction of what it
     *                          would cost as a miss: 1 counts hits fully, 0 makes them free
     * @param tenants           budgets of single tenants, instead of the defaults above
     * @param distributed       with Redis configured, share each tenant's budget across every instance
     *                          through Redis (falling back to this instance's own while Redis is away)
     */
    public record RateLimits(
            @DefaultValue("0") long requestsPerMinute,
            @DefaultValue("0") long tokensPerMinute,
            @DefaultValue("1.0") double hitWeight,
            Map<String, Budget> tenants,
            @DefaultValue("true") boolean distributed) {
        public RateLimits {
            tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
        }

        public Budget budgetOf(String tenant) {
            return tenants.getOrDefault(tenant, new Budget(requestsPerMinute, tokensPerMinute));
        }
    }

    /** A tenant's budgets; 0 means unlimited. */
    public record Budget(long requestsPerMinute, long tokensPerMinute) {
    }

    /**
     * The semantic cache, as ingest decides it per query (the processor does the matching). Off
     * unless turned on for all namespaces, for some, or per request ({@code X-Cache-Semantic: on}).
     *
     * @param enabled          on for every namespace
     * @param namespaces       on for these namespaces
     * @param threshold        the least cosine similarity of a match; 0.90 reached precision 1.0 on the
     *                         shipped calibration pairs ({@code calibrate-semantic})
     * @param minThreshold     the lowest threshold a request may ask for ({@code X-Cache-Semantic-Threshold})
     * @param maxThreshold     the highest threshold a request may ask for
     * @param maxQuestionChars longer last messages are not matched: the model was trained on texts of up to
     *                         128 word pieces, and a much longer one's vector says less about it
     */
    public record Semantic(
            @DefaultValue("false") boolean enabled,
            @DefaultValue List<String> namespaces,
            @DefaultValue("0.90") double threshold,
            @DefaultValue("0.85") double minThreshold,
            @DefaultValue("1.0") double maxThreshold,
            @DefaultValue("1000") int maxQuestionChars) {

        public dev.llmcache.ingest.semantic.SemanticPolicy.Settings settings() {
            return new dev.llmcache.ingest.semantic.SemanticPolicy.Settings(enabled, java.util.Set.copyOf(namespaces),
                    threshold, minThreshold, maxThreshold, maxQuestionChars);
        }
    }

    /**
     * @param memory   the in-memory tier of this instance
     * @param fastPath answer chat hits of the edge tiers before WebFlux dispatches the request (the
     *                 same answer for a fraction of the CPU); off, they take WebFlux's path like
     *                 every other request
     */
    public record Edge(@DefaultValue Memory memory, @DefaultValue("true") boolean fastPath) {
    }

    /**
     * @param enabled whether this instance answers hits from its memory
     * @param size    heap the tier may take (estimated from the answers' lengths)
     */
    public record Memory(@DefaultValue("true") boolean enabled, @DefaultValue("128MB") DataSize size) {
    }

    /**
     * The OpenAI Files and Batch APIs ({@code /v1/files}, {@code /v1/batches}).
     *
     * @param enabled          serve them and run batches on this instance
     * @param maxFileSize      largest file an upload may send (413 beyond)
     * @param maxLines         lines a batch input file may have
     * @param concurrency      batch lines in flight at once on one instance, when the machine has room
     * @param cpuTarget        CPU load (0..1) above which the instance runs fewer batch lines at once
     *                         (halved every half second while above, one more while below; at least one);
     *                         while live requests arrive, half of it
     * @param inflightShare    lines wait while the instance has more than this share of
     *                         {@code max-inflight-requests} in flight, so interactive requests keep the rest
     * @param chunkSize        size of the chunks files are stored in on Kafka (below the topic's
     *                         {@code max.message.bytes})
     */
    public record Batch(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("200MB") DataSize maxFileSize,
            @DefaultValue("50000") int maxLines,
            @DefaultValue("8") int concurrency,
            @DefaultValue("0.75") double cpuTarget,
            @DefaultValue("0.5") double inflightShare,
            @DefaultValue("512KB") DataSize chunkSize) {
    }
}
