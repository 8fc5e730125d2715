package dev.llmcache.processor.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import reactor.core.scheduler.Schedulers;

/**
 * How many partitions each reply topic has, for the first tokens the worker sends straight to
 * their requests. A producer's {@code partitionsFor} waits for metadata it does not have (up to
 * {@code max.block.ms}); the worker's one publisher thread must not, so counts are looked up on a
 * bounded-elastic thread and read from here, and are looked up again after {@code maxAge} (a topic
 * can gain partitions). Until a topic's count is known, {@link #of} answers 0.
 */
final class PartitionCounts {

    private record Count(int partitions, long fetchedAt) {
    }

    private final Function<String, List<?>> partitionsFor;
    private final long maxAgeMillis;
    private final Map<String, Count> counts = new ConcurrentHashMap<>();
    private final Set<String> lookingUp = ConcurrentHashMap.newKeySet();

    PartitionCounts(Function<String, List<?>> partitionsFor, Duration maxAge) {
        this.partitionsFor = partitionsFor;
        this.maxAgeMillis = maxAge.toMillis();
    }

    /** The topic's partition count as last looked up; 0 if not known yet. Never blocks. */
    int of(String topic) {
        Count count = counts.get(topic);
        long now = System.currentTimeMillis();
        if ((count == null || now - count.fetchedAt() > maxAgeMillis) && lookingUp.add(topic)) {
            try {
                Schedulers.boundedElastic().schedule(() -> lookUp(topic));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                lookingUp.remove(topic); // shutting down, or saturated: asked again next time
            }
        }
        return count == null ? 0 : count.partitions();
    }

    boolean known(String topic) {
        return counts.containsKey(topic);
    }

    private void lookUp(String topic) {
        try {
            List<?> partitions = partitionsFor.apply(topic);
            if (partitions != null && !partitions.isEmpty()) {
                counts.put(topic, new Count(partitions.size(), System.currentTimeMillis()));
            }
        } catch (RuntimeException e) {
            // Kafka away or the topic unknown: asked again on the next first token.
        } finally {
            lookingUp.remove(topic);
        }
    }
}
