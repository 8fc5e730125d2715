package dev.llmcache.cache.redis;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.redis.RedisSettings;
import dev.llmcache.common.serde.Json;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import dev.llmcache.common.redis.RedisConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchAcknowledgingMessageListener;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Keeps Redis a replica of {@code cache-entries}: the listener of a consumer-group container, so
 * a restart resumes from the committed offsets and several cache-service instances share the
 * partitions. Each entry is written with its remaining TTL, each tombstone deletes its key, and a
 * batch is acknowledged only once Redis has taken all of it (Redis down: the batch is retried,
 * nothing is skipped). Each partition leaves a marker key once it is copied; a marker that is
 * gone (Redis flushed, or replaced by an empty server) makes the partition be copied again from
 * the beginning. Runs on the container's consumer thread, which may wait for Redis.
 */
public final class RedisReplica implements BatchAcknowledgingMessageListener<String, CachedAnswer>, ConsumerSeekAware {

    private static final Logger log = LoggerFactory.getLogger(RedisReplica.class);

    private final RedisConnection connection;
    private final RedisSettings settings;
    private final Duration writeTimeout;
    private final Clock clock;
    private final Set<Integer> assigned = new TreeSet<>();

    public RedisReplica(RedisConnection connection, RedisSettings settings, Duration writeTimeout, Clock clock) {
        this.connection = connection;
        this.settings = settings;
        this.writeTimeout = writeTimeout;
        this.clock = clock;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, CachedAnswer>> records, Acknowledgment ack) {
        RedisAsyncCommands<String, String> redis = redis();
        List<RedisFuture<?>> writes = new ArrayList<>(records.size());
        long now = clock.millis();
        for (ConsumerRecord<String, CachedAnswer> record : records) {
            if (record.key() == null) {
                continue;
            }
            String key = settings.entryKey(record.key());
            CachedAnswer entry = record.value();
            if (entry == null || entry.isExpiredAt(now)) {
                writes.add(redis.del(key));
            } else {
                writes.add(redis.set(key, Json.MAPPER.writeValueAsString(entry),
                        SetArgs.Builder.px(entry.expiresAt() - now)));
            }
        }
        await(writes);
        ack.acknowledge();
    }

    /** Waits for Redis to take every write, or throws: the container then retries the batch. */
    private void await(List<RedisFuture<?>> writes) {
        if (writes.isEmpty()) {
            return;
        }
        boolean done = LettuceFutures.awaitAll(writeTimeout.toMillis(), TimeUnit.MILLISECONDS,
                writes.toArray(RedisFuture[]::new));
        if (!done) {
            throw new IllegalStateException("Redis did not take the writes within " + writeTimeout.toMillis() + " ms");
        }
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        synchronized (assigned) {
            assignments.keySet().forEach(p -> assigned.add(p.partition()));
        }
        resyncWhereNeeded(assignments.keySet(), callback);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        synchronized (assigned) {
            partitions.forEach(p -> assigned.remove(p.partition()));
        }
    }

    /** Called by the container when no records came for a while: the time to look for a flushed Redis. */
    @Override
    public void onIdleContainer(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        resyncWhereNeeded(assignments.keySet(), callback);
    }

    /** Redis commands, connecting first if needed; throws while Redis cannot be reached. */
    private RedisAsyncCommands<String, String> redis() {
        StatefulRedisConnection<String, String> connected = connection.connected();
        if (connected == null) {
            throw new IllegalStateException("Redis cannot be reached");
        }
        return connected.async();
    }

    /** Partitions whose marker is gone are read again from the beginning, and marked as copied. */
    private void resyncWhereNeeded(Collection<TopicPartition> partitions, ConsumerSeekCallback callback) {
        List<TopicPartition> missing = new ArrayList<>();
        RedisAsyncCommands<String, String> redis;
        try {
            redis = redis();
            for (TopicPartition partition : partitions) {
                Long exists = redis.exists(settings.syncedKey(partition.partition()))
                        .get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (exists == null || exists == 0) {
                    missing.add(partition);
                }
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Cannot check the Redis replica ({}); checking again later", e.toString());
            return;
        }
        if (missing.isEmpty()) {
            return;
        }
        log.info("Copying cache-entries partitions {} into Redis from the beginning (new or flushed Redis)",
                missing.stream().map(TopicPartition::partition).toList());
        callback.seekToBeginning(missing);
        // Marked now: the seek makes every record of the partition come again before any newer one.
        missing.forEach(p -> redis.set(settings.syncedKey(p.partition()), Long.toString(clock.millis())));
    }
}
