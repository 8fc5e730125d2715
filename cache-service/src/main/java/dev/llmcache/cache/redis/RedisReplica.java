package dev.llmcache.cache.redis;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.redis.RedisConnection;
import dev.llmcache.common.redis.RedisSettings;
import dev.llmcache.common.serde.Json;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.listener.BatchAcknowledgingConsumerAwareMessageListener;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Keeps Redis a replica of {@code cache-entries}: the listener of a consumer-group container, so
 * a restart resumes from the committed offsets and several cache-service instances share the
 * partitions. Each entry is written with its expiry time, each tombstone deletes its key, and a
 * batch is acknowledged only once Redis has taken all of it (Redis away: the batch is retried,
 * nothing is skipped).
 *
 * <p>Each partition has a marker key in Redis: {@code copying} while it is being copied from the
 * beginning, {@code synced:<time>} once the copy has reached the partition's end as it was when
 * the copy began. Every batch checks the markers of its partitions, and so does every idle moment
 * of the container (when nothing is written to the cache): a marker that is gone (Redis flushed,
 * or replaced by an empty server) or still says {@code copying} (a copy cut short by a crash)
 * makes its partition be read again from the beginning, and a copy whose {@code copying} marker
 * vanished meanwhile (a flush during the copy) starts over. Runs on the container's consumer
 * thread, which may wait for Redis. Health component {@code redisReplica}: DEGRADED while Redis
 * keeps refusing the writes (hits then take the other tiers).
 */
public final class RedisReplica implements BatchAcknowledgingConsumerAwareMessageListener<String, CachedAnswer>,
        ConsumerSeekAware, HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(RedisReplica.class);
    private static final Status DEGRADED = new Status("DEGRADED");
    /** Consecutive failed batches after which health says so. */
    private static final int FAILURES_SHOWN = 3;
    private static final String COPYING = "copying";
    private static final String SYNCED = "synced:";

    private final RedisConnection<String, String> connection;
    private final RedisSettings settings;
    private final Duration writeTimeout;
    private final Clock clock;
    /** Partitions being copied, and the offset the copy must reach; only the consumer thread uses it. */
    private final Map<TopicPartition, Long> copyingUntil = new HashMap<>();
    private final AtomicInteger failedBatches = new AtomicInteger();
    private volatile String lastError = "";

    public RedisReplica(RedisConnection<String, String> connection, RedisSettings settings, Duration writeTimeout, Clock clock) {
        this.connection = connection;
        this.settings = settings;
        this.writeTimeout = writeTimeout;
        this.clock = clock;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, CachedAnswer>> records, Acknowledgment ack,
                          org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        try {
            RedisAsyncCommands<String, String> redis = redis();
            Consumer<List<TopicPartition>> copyAgain = partitions -> startCopies(redis, partitions,
                    consumer.endOffsets(partitions, writeTimeout), consumer::seekToBeginning);
            List<TopicPartition> restarted = copyWhereNeeded(redis, records.stream()
                    .map(r -> new TopicPartition(r.topic(), r.partition())).distinct().toList(), copyAgain);
            long now = clock.millis();
            List<RedisFuture<?>> writes = new ArrayList<>(records.size());
            Map<TopicPartition, Long> reached = new HashMap<>();
            for (ConsumerRecord<String, CachedAnswer> record : records) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.key() == null || restarted.contains(partition)) {
                    continue;
                }
                reached.merge(partition, record.offset() + 1, Math::max);
                String key = settings.entryKey(record.key());
                CachedAnswer entry = record.value();
                writes.add(entry == null || entry.isExpiredAt(now) ? redis.del(key)
                        : redis.set(key, Json.MAPPER.writeValueAsString(entry.withoutVector()), SetArgs.Builder.pxAt(entry.expiresAt())));
            }
            await(writes);
            finishCopies(redis, reached, copyAgain);
            failedBatches.set(0);
        } catch (RuntimeException e) {
            lastError = e.toString();
            if (failedBatches.incrementAndGet() == FAILURES_SHOWN) {
                log.warn("Redis keeps refusing the replica's writes ({}); retrying every second", lastError);
            }
            throw e;
        }
        ack.acknowledge();
    }

    /**
     * The container has been idle (every partition read to its end): copies in progress are
     * complete, and the markers of every partition are checked, so that a flushed Redis is copied
     * again even when nothing is written to the cache.
     */
    @Override
    public void onIdleContainer(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        try {
            RedisAsyncCommands<String, String> redis = redis();
            // Done at the next idle moment, when everything up to the end has been read again.
            Consumer<List<TopicPartition>> copyAgain = partitions -> startCopies(redis, partitions,
                    Map.of(), callback::seekToBeginning);
            Map<TopicPartition, Long> caughtUp = new HashMap<>();
            copyingUntil.keySet().forEach(partition -> caughtUp.put(partition, Long.MAX_VALUE));
            finishCopies(redis, caughtUp, copyAgain);
            copyWhereNeeded(redis, List.copyOf(assignments.keySet()), copyAgain);
        } catch (RuntimeException e) {
            lastError = e.toString();
        }
    }

    /** A revoked partition's copy is another instance's now (it finds the marker not synced either). */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        partitions.forEach(copyingUntil::remove);
    }

    /** Starts a copy of each of {@code partitions} not being copied whose marker is not {@code synced}. */
    private List<TopicPartition> copyWhereNeeded(RedisAsyncCommands<String, String> redis,
                                                 List<TopicPartition> partitions,
                                                 Consumer<List<TopicPartition>> copyAgain) {
        List<TopicPartition> candidates = partitions.stream().filter(p -> !copyingUntil.containsKey(p)).toList();
        if (candidates.isEmpty()) {
            return List.of();
        }
        List<KeyValue<String, String>> markers = get(redis.mget(candidates.stream()
                .map(p -> settings.syncedKey(p.partition())).toArray(String[]::new)));
        List<TopicPartition> needed = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            if (!markers.get(i).hasValue() || !markers.get(i).getValue().startsWith(SYNCED)) {
                needed.add(candidates.get(i));
            }
        }
        if (!needed.isEmpty()) {
            copyAgain.accept(needed);
        }
        return needed;
    }

    /**
     * Marks the copies begun now ({@code copying}), remembers how far each must read (unknown:
     * until the next idle moment), and seeks the partitions to their beginning.
     */
    private void startCopies(RedisAsyncCommands<String, String> redis, List<TopicPartition> partitions,
                             Map<TopicPartition, Long> ends, Consumer<List<TopicPartition>> seekToBeginning) {
        log.info("Copying cache-entries partitions {} into Redis from the beginning (a new or flushed Redis)",
                partitions.stream().map(TopicPartition::partition).toList());
        List<RedisFuture<?>> marks = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            marks.add(redis.set(settings.syncedKey(partition.partition()), COPYING));
            copyingUntil.put(partition, ends.getOrDefault(partition, Long.MAX_VALUE));
        }
        await(marks);
        seekToBeginning.accept(partitions);
    }

    /**
     * Marks each copy that has reached its end as {@code synced}, only if its {@code copying}
     * marker is still there; a copy whose marker vanished (Redis flushed meanwhile) starts over.
     */
    private void finishCopies(RedisAsyncCommands<String, String> redis, Map<TopicPartition, Long> reached,
                              Consumer<List<TopicPartition>> copyAgain) {
        List<TopicPartition> flushedMeanwhile = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> copy : List.copyOf(copyingUntil.entrySet())) {
            TopicPartition partition = copy.getKey();
            if (reached.getOrDefault(partition, -1L) < copy.getValue()) {
                continue;
            }
            copyingUntil.remove(partition);
            String done = get(redis.set(settings.syncedKey(partition.partition()), SYNCED + clock.millis(),
                    SetArgs.Builder.xx()));
            if ("OK".equals(done)) {
                log.info("cache-entries partition {} copied into Redis", partition.partition());
            } else {
                flushedMeanwhile.add(partition);
            }
        }
        if (!flushedMeanwhile.isEmpty()) {
            copyAgain.accept(flushedMeanwhile);
        }
    }

    /** Waits for Redis to take every write, or throws: the container then retries the batch. */
    private void await(List<RedisFuture<?>> writes) {
        if (!writes.isEmpty() && !LettuceFutures.awaitAll(writeTimeout.toMillis(), TimeUnit.MILLISECONDS,
                writes.toArray(RedisFuture[]::new))) {
            throw new IllegalStateException("Redis did not take the writes within " + writeTimeout.toMillis() + " ms");
        }
    }

    private <T> T get(RedisFuture<T> future) {
        try {
            return future.get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Redis", e);
        } catch (Exception e) {
            throw new IllegalStateException("Redis failed: " + e.getMessage(), e);
        }
    }

    /** Redis commands, connecting first if needed; throws while Redis cannot be reached. */
    private RedisAsyncCommands<String, String> redis() {
        StatefulRedisConnection<String, String> connected = connection.connected();
        if (connected == null) {
            throw new IllegalStateException("Redis cannot be reached");
        }
        return connected.async();
    }

    @Override
    public Health health() {
        int failed = failedBatches.get();
        return (failed >= FAILURES_SHOWN ? Health.status(DEGRADED).withDetail("error", lastError) : Health.up())
                .withDetail("failedBatchesInARow", failed)
                .build();
    }
}
