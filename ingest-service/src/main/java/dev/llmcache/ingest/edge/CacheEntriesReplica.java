package dev.llmcache.ingest.edge;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
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
 * evicted, invalidated) removes it. Health component {@code edgeReplica} (not part of readiness:
 * without it, hits take the Kafka path).
 */
public final class CacheEntriesReplica implements SmartLifecycle, HealthIndicator {

    private final MemoryTier memory;
    private final TopicTail<CachedAnswer> tail;

    public CacheEntriesReplica(KafkaClients clients, Topic<String, CachedAnswer> cacheEntries, MemoryTier memory) {
        this.memory = memory;
        this.tail = new TopicTail<>(clients, cacheEntries, List.of(), "edge-replica",
                // Entries are small and an invalidation should be seen at once.
                Map.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1), TopicTail.StartAt.BEGINNING, this::apply);
    }

    void apply(String key, CachedAnswer answer) {
        if (key == null) {
            return;
        }
        if (answer == null) {
            memory.remove(key);
        } else {
            memory.put(answer);
        }
    }

    @Override
    public void start() {
        tail.start();
    }

    @Override
    public void stop() {
        tail.stop();
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
        return Health.status(listener.getStatus()).withDetails(listener.getDetails())
                .withDetail("entries", memory.entries())
                .withDetail("bytes", memory.bytes())
                .build();
    }
}
