package dev.llmcache.common.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps a {@link ReplicaTarget} (an ingest's memory tier, a processor's semantic index) in step
 * with the compacted {@code cache-entries} topic, read from its beginning at start (every live
 * entry, newest last) and then as it grows: an entry the processor caches on any instance reaches
 * the target here, and its tombstone (expired, evicted, invalidated) removes it. Operators'
 * commands on {@code cache-commands} (read from its beginning too: a day of them) are applied here
 * as they arrive, without waiting for the processor's tombstones, and the recent invalidations are
 * checked on every entry the replica takes: an entry the processor has not swept yet (read at
 * start, or lagging behind the command) never reaches the target. A health component (not part of
 * readiness: without it, hits take the Kafka path, and semantic lookups miss).
 */
public final class CacheEntriesReplica implements SmartLifecycle, HealthIndicator {

    private final ReplicaTarget target;
    private final TopicTail<CachedAnswer> tail;
    private final TopicTail<CacheCommand> commands;
    /** Recent invalidations by command id (each comes once per partition), oldest first; written under this. */
    private final Map<String, CacheCommand> invalidations = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CacheCommand> eldest) {
            return size() > MAX_INVALIDATIONS;
        }
    };
    private static final int MAX_INVALIDATIONS = 256;
    /** The same, as read by lookups without a lock. */
    private volatile List<CacheCommand> activeInvalidations = List.of();
    /**
     * Per recently removed key (deleted, or tombstoned for any reason), the newest creation time
     * removed: an entry from Redis created at or before it is stale.
     */
    private final Cache<String, Long> removedAt = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();
    /** When each recently deleted key was deleted by an operator: an entry created before is gone. */
    private final Cache<String, Long> deletedAt = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();

    /** @param client names this replica's consumers ({@code <client>-replica}, {@code <client>-commands}) */
    public CacheEntriesReplica(KafkaClients clients, Topic<String, CachedAnswer> cacheEntries,
                               Topic<String, CacheCommand> cacheCommands, ReplicaTarget target, String client) {
        this.target = target;
        // An invalidation should be seen at once: fetches return as soon as there is a byte.
        Map<String, Object> latencyCritical = Map.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        this.tail = new TopicTail<>(clients, cacheEntries, List.of(), client + "-replica", latencyCritical,
                TopicTail.StartAt.BEGINNING, this::apply);
        this.commands = new TopicTail<>(clients, cacheCommands, List.of(), client + "-commands", latencyCritical,
                TopicTail.StartAt.BEGINNING, (key, command, timestamp) -> apply(command));
    }

    /**
     * Whether {@code entry} was removed lately: a recent invalidation covers it, or its key was
     * deleted or tombstoned after it was created. Used for entries from Redis, which may not have
     * its tombstone yet; never blocks.
     */
    public boolean invalidated(CachedAnswer entry) {
        Long removed = removedAt.getIfPresent(entry.cacheKey());
        return (removed != null && entry.createdAt() <= removed) || removedByOperator(entry);
    }

    /** Whether an operator's command removes {@code entry}: a recent invalidation, or a delete of its key after it was created. */
    private boolean removedByOperator(CachedAnswer entry) {
        Long deleted = deletedAt.getIfPresent(entry.cacheKey());
        return (deleted != null && entry.createdAt() <= deleted)
                || activeInvalidations.stream().anyMatch(command -> command.removes(entry));
    }

    public synchronized void apply(CacheCommand command) {
        if (command == null || command.type() == null) {
            return;
        }
        if (command.type() == CacheCommand.Type.DELETE) {
            if (command.cacheKey() != null) {
                removedAt.put(command.cacheKey(), command.issuedAt());
                deletedAt.put(command.cacheKey(), command.issuedAt());
                target.remove(command.cacheKey());
            }
        } else if (invalidations.putIfAbsent(command.commandId(), command) == null) {
            activeInvalidations = List.copyOf(invalidations.values());
            target.removeIf(command::removes);
        }
    }

    /** @param timestamp when the record was written (for a tombstone: when the entry was removed) */
    public synchronized void apply(String key, CachedAnswer answer, long timestamp) {
        if (key == null) {
            return;
        }
        if (answer == null) {
            removedAt.put(key, timestamp);
            target.remove(key);
        } else if (removedByOperator(answer)) {
            target.remove(key);
        } else {
            // Per key the topic's order is the truth: an entry after its key's tombstone is newer,
            // even if its call started before the tombstone was written (a hot key refreshed as its
            // last answer expired). Only what came before it stays stale in Redis.
            removedAt.asMap().computeIfPresent(key, (k, removed) -> Math.min(removed, answer.createdAt() - 1));
            target.put(answer);
        }
    }

    @Override
    public void start() {
        commands.start();
        tail.start();
    }

    @Override
    public void stop() {
        tail.stop();
        commands.stop();
    }

    @Override
    public boolean isRunning() {
        return tail.isRunning();
    }

    @Override
    public int getPhase() {
        return 0;
    }

    /** Whether both feeds (entries and commands) are running: a target without them may hold removed entries. */
    public boolean isFed() {
        return tail.isUp() && commands.isUp();
    }

    @Override
    public Health health() {
        Health listener = tail.health();
        Health commandListener = commands.health();
        return Health.status(commandListener.getStatus().equals(Status.UP)
                        ? listener.getStatus() : commandListener.getStatus())
                .withDetails(listener.getDetails())
                .withDetail("entries", target.entries())
                .withDetail("bytes", target.bytes())
                .build();
    }
}
