package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchState;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import reactor.core.Disposable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.MessageListener;

/**
 * Runs the batches of the {@code batches} partitions this instance is assigned in the runners'
 * consumer group: a batch belongs to one instance at a time, and when that instance dies or
 * leaves, its partitions (and batches) go to another, which goes on from the batch's last
 * recorded step. On assignment a partition is read from its beginning (the topic is compacted:
 * one record per batch) and its unfinished batches start once the reading has caught up, so that
 * a batch whose end is further on is never started from an older record.
 */
public final class BatchRunner implements MessageListener<String, BatchState>, ConsumerAwareRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private final String resultsTopic;
    private final Runs runs;
    /** What the runs share and the runner closes: the throttle's timer. */
    private final Disposable resources;
    /** Partitions of {@code batch-results}; looked up at the first assignment. */
    private volatile int resultsPartitions = -1;
    /** Per assigned partition still being read up to its end at assignment: that end. */
    private final Map<Integer, Long> catchingUp = new HashMap<>();
    /** Per assigned partition being caught up: the latest record of each batch. */
    private final Map<Integer, Map<String, BatchState>> latest = new HashMap<>();
    /** Per assigned partition being caught up: the cancel requests read, by batch id. */
    private final Map<Integer, Map<String, Long>> pendingCancels = new HashMap<>();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** The revision this instance last wrote or ran each batch at: older records are its own past. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    private record Running(Run run, int partition) {
    }

    /** One batch being run here. */
    interface Run {
        void start();

        /** Stops running here (another instance goes on with it). */
        void stop();

        /** A newer record of the batch was read. */
        void observe(BatchState update);

        /** The revision of the last state it wrote or took. */
        long revision();
    }

    /** Makes the run of a batch. */
    @FunctionalInterface
    interface Runs {
        /**
         * @param resultsPartitions partitions of {@code batch-results}
         * @param onEnd             to call once the run ends, however
         */
        Run create(int resultsPartitions, BatchState state, Runnable onEnd);
    }

    BatchRunner(String resultsTopic, Runs runs, Disposable resources) {
        this.resultsTopic = resultsTopic;
        this.runs = runs;
        this.resources = resources;
    }

    /** Batches running on this instance now. */
    public int running() {
        return running.size();
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (resultsPartitions < 0) {
            resultsPartitions = consumer.partitionsFor(resultsTopic, METADATA_TIMEOUT).size();
        }
        // Nothing in these partitions starts until their end is known and reached.
        partitions.forEach(partition -> catchingUp.put(partition.partition(), Long.MAX_VALUE));
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> begins;
        Map<TopicPartition, Long> ends;
        try {
            begins = consumer.beginningOffsets(partitions, METADATA_TIMEOUT);
            ends = consumer.endOffsets(partitions, METADATA_TIMEOUT);
        } catch (RuntimeException e) {
            // Without their end the partitions cannot be caught up: assign them again.
            log.warn("Batch runner could not read the ends of {}; rebalancing: {}", partitions, e.toString());
            consumer.enforceRebalance();
            return;
        }
        for (TopicPartition partition : partitions) {
            latest.put(partition.partition(), new LinkedHashMap<>());
            if (ends.get(partition) > begins.get(partition)) {
                catchingUp.put(partition.partition(), ends.get(partition));
            } else {
                catchingUp.remove(partition.partition());
            }
        }
        log.info("Batch runner took partitions {}", partitions);
    }

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        stop(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        stop(partitions);
    }

    private void stop(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            catchingUp.remove(partition.partition());
            latest.remove(partition.partition());
            pendingCancels.remove(partition.partition());
            running.entrySet().removeIf(entry -> {
                String id = entry.getKey();
                Running batch = entry.getValue();
                if (batch.partition() == partition.partition()) {
                    batch.run().stop();
                    // Not ended: if the partition comes back, the batch's latest record starts it again.
                    seen.remove(id);
                    return true;
                }
                return false;
            });
        }
    }

    /** Stops every batch running here (the instance stops; another one takes them over). */
    public void close() {
        stopAll();
        resources.dispose();
    }

    private void stopAll() {
        running.forEach((id, batch) -> {
            batch.run().stop();
            seen.remove(id);
        });
        running.clear();
    }

    @Override
    public void onMessage(ConsumerRecord<String, BatchState> record) {
        int partition = record.partition();
        Long end = catchingUp.get(partition);
        boolean readable = record.key() != null && record.value() != null;
        if (end == null) {
            if (readable) {
                take(record.key(), record.value(), partition);
            }
            return;
        }
        if (readable) {
            Map<String, BatchState> batches = latest.computeIfAbsent(partition, p -> new LinkedHashMap<>());
            Map<String, Long> cancels = pendingCancels.computeIfAbsent(partition, p -> new HashMap<>());
            if (BatchState.isCancelKey(record.key())) {
                // Kept apart: compaction may have left no earlier record of the batch to apply it to.
                cancels.putIfAbsent(record.value().id(), record.value().times().cancellingAt());
            } else {
                batches.put(record.key(), record.value());
            }
        }
        // Checked whatever the record holds: a last record that cannot be read still ends the catch-up.
        if (record.offset() + 1 >= end) {
            catchingUp.remove(partition);
            Map<String, BatchState> caughtUp = latest.remove(partition);
            Map<String, Long> cancels = pendingCancels.remove(partition);
            if (caughtUp != null) {
                caughtUp.values().forEach(state -> {
                    Long cancellingAt = cancels == null ? null : cancels.get(state.id());
                    offer(cancellingAt == null ? state : state.withCancel(cancellingAt), partition);
                });
            }
        }
    }

    /** A record read after the catch-up: a batch's state, or a cancel request. */
    private void take(String key, BatchState value, int partition) {
        if (BatchState.isCancelKey(key)) {
            Running current = running.get(value.id());
            if (current != null) {
                current.run().observe(value);
            }
            // Not running here: it has ended (an ended batch stays as it ended), or it is not this partition's.
            return;
        }
        offer(value, partition);
    }

    private void offer(BatchState state, int partition) {
        Running current = running.get(state.id());
        if (current != null) {
            current.run().observe(state);
            return;
        }
        Long known = seen.get(state.id());
        if (state.status().terminal()) {
            // Ended is final: no later record (one written late, a stale request) starts it again.
            seen.put(state.id(), Long.MAX_VALUE);
            return;
        }
        if (known != null && state.revision() <= known) {
            return;
        }
        seen.merge(state.id(), state.revision(), Math::max);
        Running[] self = new Running[1];
        Run run = runs.create(resultsPartitions, state, () -> ended(state.id(), self[0]));
        self[0] = new Running(run, partition);
        running.put(state.id(), self[0]);
        log.info("Running batch {} ({}) on this instance", state.id(), state.status().apiName());
        run.start();
    }

    /** A run ended: it leaves the running batches (only itself, never a newer run of the same batch). */
    private void ended(String id, Running run) {
        if (run != null && running.get(id) == run) {
            // Known first, gone second: its own last records, read in between, must not start it again.
            seen.merge(id, run.run().revision(), Math::max);
            running.remove(id, run);
        }
    }
}
