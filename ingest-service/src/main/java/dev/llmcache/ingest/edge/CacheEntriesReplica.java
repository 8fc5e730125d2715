package dev.llmcache.ingest.edge;

import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps the {@link MemoryTier} in step with the compacted {@code cache-entries} topic, read from
 * its beginning at start (every live entry, newest last) and then as it grows: an entry the
 * processor caches on any instance becomes a memory hit here, and its tombstone (expired,
 * evicted, invalidated) removes it. Operators' commands on {@code cache-commands} (read from its
 * beginning too: a day of them) are applied here as they arrive, without waiting for the
 * processor's tombstones, and the recent invalidations are checked on every entry the replica
 * takes: an entry the processor has not swept yet (read at start, or lagging behind the command)
 * never becomes a hit here. Health component {@code edgeReplica} (not part of readiness:
 * without it, hits take the Kafka path).
 */
public final class CacheEntriesReplica implements SmartLifecycle, HealthIndicator {

    private final MemoryTier memory;
    private final TopicTail<CachedAnswer> tail;
    private final TopicTail<CacheCommand> commands;
    /** Recent invalidations by command id (each comes once per partition), oldest first. */
    private final Map<String, CacheCommand> invalidations = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CacheCommand> eldest) {
            return size() > MAX_INVALIDATIONS;
        }
    };
    private static final int MAX_INVALIDATIONS = 256;

    public CacheEntriesReplica(KafkaClients clients, Topic<String, CachedAnswer> cacheEntries,
                               Topic<String, CacheCommand> cacheCommands, MemoryTier memory) {
        this.memory = memory;
        // An invalidation should be seen at once: fetches return as soon as there is a byte.
        Map<String, Object> latencyCritical = Map.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        this.tail = new TopicTail<>(clients, cacheEntries, List.of(), "edge-replica", latencyCritical,
                TopicTail.StartAt.BEGINNING, this::apply);
        this.commands = new TopicTail<>(clients, cacheCommands, List.of(), "edge-commands", latencyCritical,
                TopicTail.StartAt.BEGINNING, (key, command) -> apply(command));
    }

    /** Whether a recent invalidation covers {@code entry}. */
    public synchronized boolean invalidated(CachedAnswer entry) {
        return invalidations.values().stream().anyMatch(command -> command.removes(entry));
    }

    synchronized void apply(CacheCommand command) {
        if (command == null || command.type() == null) {
            return;
        }
        if (command.type() == CacheCommand.Type.DELETE) {
            memory.remove(command.cacheKey());
        } else if (invalidations.putIfAbsent(command.commandId(), command) == null) {
            memory.removeIf(command::removes);
        }
    }

    synchronized void apply(String key, CachedAnswer answer) {
        if (key == null) {
            return;
        }
        if (answer == null || invalidated(answer)) {
            memory.remove(key);
        } else {
            memory.put(answer);
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

    @Override
    public Health health() {
        Health listener = tail.health();
        Health commandListener = commands.health();
        return Health.status(commandListener.getStatus().equals(org.springframework.boot.health.contributor.Status.UP)
                        ? listener.getStatus() : commandListener.getStatus())
                .withDetails(listener.getDetails())
                .withDetail("entries", memory.entries())
                .withDetail("bytes", memory.bytes())
                .build();
    }
}
