package dev.llmcache.processor.llm;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Tracks which polled records are finished when they finish out of order, so that only offsets
 * below the oldest unfinished record are committed: a crash then re-delivers every request whose
 * outcome was not yet published, and loses none.
 */
final class OffsetTracker {

    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();

    private static final class Partition {
        final ConcurrentSkipListSet<Long> pending = new ConcurrentSkipListSet<>();
        volatile long nextOffset = -1;
        long committed = -1;
    }

    /** Called on the poll thread for every polled record, in offset order. */
    void started(TopicPartition partition, long offset) {
        Partition p = partitions.computeIfAbsent(partition, tp -> new Partition());
        p.pending.add(offset);
        p.nextOffset = offset + 1;
    }

    /** Called from any thread once the record's outcome is durably published. */
    void finished(TopicPartition partition, long offset) {
        Partition p = partitions.get(partition);
        if (p != null) {
            p.pending.remove(offset);
        }
    }

    /** Offsets that advanced since the last call; called on the poll thread. */
    Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> result = new HashMap<>();
        partitions.forEach((tp, p) -> {
            Long oldestPending = p.pending.ceiling(Long.MIN_VALUE);
            long commit = oldestPending != null ? oldestPending : p.nextOffset;
            if (commit > p.committed && commit >= 0) {
                result.put(tp, new OffsetAndMetadata(commit));
                p.committed = commit;
            }
        });
        return result;
    }

    void forget(TopicPartition partition) {
        partitions.remove(partition);
    }
}
