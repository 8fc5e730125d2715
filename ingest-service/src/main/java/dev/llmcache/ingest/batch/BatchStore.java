package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.KeyPartition;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.ingest.publish.KafkaPublisher;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * The state of every batch, as the API shows it: read from the compacted {@code batches} topic
 * from its beginning at start and kept current (a record older than the one held, by revision,
 * is ignored), and written through to it.
 */
public final class BatchStore extends TopicView {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, BatchState> batches = new ConcurrentHashMap<>();
    /** When a cancel was asked for, by batch id. */
    private final Map<String, Long> cancels = new ConcurrentHashMap<>();
    private final Topic<String, BatchState> topic;
    private final KafkaPublisher publisher;
    private final TopicTail<BatchState> tail;

    public BatchStore(KafkaClients clients, Topic<String, BatchState> topic, KafkaPublisher publisher) {
        super("batches");
        this.topic = topic;
        this.publisher = publisher;
        this.tail = new TopicTail<>(clients, topic, List.of(), "batches-view", Map.of(), TopicTail.StartAt.BEGINNING,
                (key, state, timestamp) -> apply(key, state));
    }

    /** A new batch id, in OpenAI's shape. */
    public static String newId() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        return "batch_" + HexFormat.of().formatHex(random);
    }

    void apply(String key, BatchState state) {
        if (key == null || state == null) {
            return;
        }
        if (BatchState.isCancelKey(key)) {
            // Shown at once, before the runner takes it up (and its next record says so too).
            cancels.putIfAbsent(state.id(), state.times().cancellingAt());
            batches.computeIfPresent(state.id(), (id, held) -> held.withCancel(cancels.get(id)));
            return;
        }
        batches.compute(key, (id, held) -> {
            Long cancellingAt = cancels.get(id);
            BatchState shown = cancellingAt == null ? state : state.withCancel(cancellingAt);
            return held == null || shown.revision() >= held.revision() ? shown : held;
        });
    }

    /** The batch {@code id} if it belongs to {@code owner} (other tenants' batches do not exist for them). */
    public Optional<BatchState> get(String owner, String id) {
        BatchState state = id == null ? null : batches.get(id);
        return state != null && state.owner().tenant().equals(owner) ? Optional.of(state) : Optional.empty();
    }

    /** The owner's batches, newest first. */
    public List<BatchState> list(String owner) {
        return batches.values().stream().filter(state -> state.owner().tenant().equals(owner))
                .sorted(Comparator.comparingLong((BatchState state) -> state.times().createdAt()).reversed()
                        .thenComparing(BatchState::id, Comparator.reverseOrder()))
                .toList();
    }

    /**
     * Asks the runner of {@code batch} to cancel it: a request under the batch's cancel key, in the
     * batch's partition (the runner reads it in order with the batch's own records).
     */
    public Mono<BatchState> requestCancel(BatchState batch, long now) {
        BatchState request = batch.withCancel(now);
        return publisher.partitionCount(topic)
                .flatMap(partitions -> publisher.publish(topic, KeyPartition.of(batch.id(), partitions),
                        BatchState.cancelKey(batch.id()), request, null))
                .then(Mono.fromSupplier(() -> {
                    apply(BatchState.cancelKey(batch.id()), request);
                    return batches.getOrDefault(batch.id(), request);
                }));
    }

    /** Writes {@code state}; done when Kafka has it (and this instance shows it). */
    public Mono<BatchState> save(BatchState state) {
        return publisher.publish(topic, state.id(), state, null).then(Mono.fromSupplier(() -> {
            apply(state.id(), state);
            return state;
        }));
    }

    @Override
    TopicTail<?> tail() {
        return tail;
    }

    @Override
    int size() {
        return batches.size();
    }
}
