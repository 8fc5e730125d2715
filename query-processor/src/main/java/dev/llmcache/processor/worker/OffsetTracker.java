package dev.llmcache.processor.worker;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Which polled requests are finished, when they finish out of order. Only the offset below the
 * oldest unfinished request of a partition is ever acknowledged, so a crash re-delivers every
 * request whose outcome was not yet published and loses none.
 *
 * <p>Acknowledging hands the offset to the listener container, which commits it on its consumer
 * thread. That happens under this tracker's lock, and {@link #forget} takes the same lock when a
 * partition is revoked: an acknowledgment is either queued before the container's commit on
 * revocation, or not made at all (a later owner of the partition runs the request again).
 */
final class OffsetTracker {

    private final Map<TopicPartition, TreeMap<Long, Tracked>> partitions = new HashMap<>();

    private static final class Tracked {
        final Acknowledgment ack;
        boolean finished;

        Tracked(Acknowledgment ack) {
            this.ack = ack;
        }
    }

    /** A polled record; called on the consumer thread, in offset order per partition. */
    synchronized void started(TopicPartition partition, long offset, Acknowledgment ack) {
        partitions.computeIfAbsent(partition, tp -> new TreeMap<>()).putIfAbsent(offset, new Tracked(ack));
    }

    /**
     * The record's outcome is published (or it needs none); from any thread. Acknowledges the
     * newest record of the finished run at the head of its partition, if the head moved.
     */
    synchronized void finished(TopicPartition partition, long offset) {
        TreeMap<Long, Tracked> records = partitions.get(partition);
        if (records == null) {
            return; // revoked meanwhile
        }
        Tracked tracked = records.get(offset);
        if (tracked == null) {
            return;
        }
        tracked.finished = true;
        Tracked newestDone = null;
        while (!records.isEmpty() && records.firstEntry().getValue().finished) {
            newestDone = records.pollFirstEntry().getValue();
        }
        if (newestDone != null) {
            newestDone.ack.acknowledge();
        }
    }

    /** The partitions are revoked: their requests will not be acknowledged by this worker. */
    synchronized void forget(Collection<TopicPartition> revoked) {
        revoked.forEach(partitions::remove);
    }
}
