package dev.llmcache.ingest.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.BatchState.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchRunnerTest {

    private static final String TOPIC = "batches";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final List<FakeRun> started = new ArrayList<>();
    private final BatchRunner runner = new BatchRunner("batch-results", (partitions, state, onEnd) -> {
        FakeRun run = new FakeRun(state, onEnd);
        started.add(run);
        return run;
    }, () -> { });
    private final MockConsumer<String, BatchState> consumer = new MockConsumer<>("earliest");

    @BeforeEach
    void partitions() {
        consumer.updatePartitions("batch-results", List.of(new PartitionInfo("batch-results", 0, Node.noNode(),
                new Node[0], new Node[0])));
    }

    @Test
    void anUnfinishedBatchStartsOnlyOnceThePartitionIsReadToItsEnd() {
        assign(3);
        BatchState created = batch("b1", Status.VALIDATING, 0);

        runner.onMessage(record(0, created));
        runner.onMessage(record(1, created.entering(Status.IN_PROGRESS, 2)));
        assertThat(started).isEmpty();
        runner.onMessage(record(2, created.entering(Status.IN_PROGRESS, 2).entering(Status.COMPLETED, 3)));

        assertThat(started).as("its latest record says it is done").isEmpty();
    }

    @Test
    void aBatchCaughtUpUnfinishedStartsFromItsLatestRecord() {
        assign(2);
        BatchState created = batch("b1", Status.VALIDATING, 0);

        runner.onMessage(record(0, created));
        runner.onMessage(record(1, created.entering(Status.IN_PROGRESS, 2)));

        assertThat(started).singleElement().satisfies(run -> assertThat(run.state.status()).isEqualTo(Status.IN_PROGRESS));
        assertThat(runner.running()).isEqualTo(1);
    }

    @Test
    void aNewBatchStartsAtOnceAndItsOwnRecordsDoNotStartItAgain() {
        assign(0);
        BatchState created = batch("b1", Status.VALIDATING, 0);

        runner.onMessage(record(0, created));
        FakeRun run = started.get(0);
        runner.onMessage(record(1, created.entering(Status.IN_PROGRESS, 2)));
        run.end(created.entering(Status.IN_PROGRESS, 2).entering(Status.COMPLETED, 3));
        // Its progress record, read late, is older than what it ended at.
        runner.onMessage(record(2, created.entering(Status.IN_PROGRESS, 2)));

        assertThat(started).hasSize(1);
        assertThat(run.observed).hasSize(1);
        assertThat(runner.running()).isZero();
    }

    @Test
    void aCancelRequestReachesTheRunningBatch() {
        assign(0);
        BatchState created = batch("b1", Status.VALIDATING, 0);
        runner.onMessage(record(0, created));

        runner.onMessage(cancel(1, created, 5));

        assertThat(started.get(0).observed).singleElement()
                .satisfies(update -> assertThat(update.cancelRequested()).isTrue());
    }

    @Test
    void aCancelRequestReadInTheCatchUpStartsTheBatchCancelling() {
        assign(3);
        BatchState running = batch("b1", Status.VALIDATING, 0).entering(Status.IN_PROGRESS, 1);

        runner.onMessage(record(0, running));
        runner.onMessage(cancel(1, running, 5));
        // The runner's own progress record, written before it saw the request.
        runner.onMessage(record(2, running.withCounts(new BatchState.Counts(10, 3, 0))));

        assertThat(started).singleElement().satisfies(run -> {
            assertThat(run.state.cancelRequested()).isTrue();
            assertThat(run.state.counts().completed()).isEqualTo(3);
        });
    }

    @Test
    void aCancelRequestWithNoEarlierRecordLeftStillCancelsTheBatch() {
        assign(2);
        BatchState running = batch("b1", Status.VALIDATING, 0).entering(Status.IN_PROGRESS, 1);

        // Compaction removed the records before the request; the runner's later one remains.
        runner.onMessage(cancel(0, running, 5));
        runner.onMessage(record(1, running.withCounts(new BatchState.Counts(10, 3, 0))));

        assertThat(started).singleElement().satisfies(run -> assertThat(run.state.cancelRequested()).isTrue());
    }

    @Test
    void anEndedBatchIsNeverStartedAgainByALateOrStaleRecord() {
        assign(0);
        BatchState created = batch("b1", Status.VALIDATING, 0);
        BatchState completed = created.entering(Status.IN_PROGRESS, 1).entering(Status.COMPLETED, 2);

        runner.onMessage(record(0, completed));
        runner.onMessage(record(1, created));
        runner.onMessage(cancel(2, created, 3));

        assertThat(started).isEmpty();
    }

    @Test
    void anUnreadableLastRecordStillEndsTheCatchUp() {
        assign(2);
        runner.onMessage(record(0, batch("b1", Status.VALIDATING, 0)));
        runner.onMessage(new ConsumerRecord<>(TOPIC, 0, 1, "b2", null));

        assertThat(started).hasSize(1);
    }

    @Test
    void aRevokedPartitionStopsItsBatchesAndTheyStartAgainWhenItComesBack() {
        assign(0);
        BatchState created = batch("b1", Status.VALIDATING, 0);
        runner.onMessage(record(0, created));

        runner.onPartitionsRevokedBeforeCommit(consumer, List.of(P0));
        assertThat(started.get(0).stopped).isTrue();
        assertThat(runner.running()).isZero();

        assign(1);
        runner.onMessage(record(0, created));
        assertThat(started).hasSize(2);
    }

    private void assign(long end) {
        consumer.assign(List.of(P0));
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.updateEndOffsets(Map.of(P0, end));
        runner.onPartitionsAssigned(consumer, List.of(P0));
    }

    private static ConsumerRecord<String, BatchState> record(long offset, BatchState state) {
        return new ConsumerRecord<>(TOPIC, 0, offset, state.id(), state);
    }

    private static ConsumerRecord<String, BatchState> cancel(long offset, BatchState state, long at) {
        return new ConsumerRecord<>(TOPIC, 0, offset, BatchState.cancelKey(state.id()), state.withCancel(at));
    }

    private static BatchState batch(String id, Status status, long now) {
        BatchState created = BatchState.created(id, new BatchState.Owner("t", null, List.of(), null),
                new BatchState.Spec("/v1/chat/completions", "file-1", "24h", Map.of()), now, now + 86_400);
        return status == Status.VALIDATING ? created : created.entering(status, now);
    }

    private static final class FakeRun implements BatchRunner.Run {
        final BatchState state;
        final Runnable onEnd;
        final List<BatchState> observed = new ArrayList<>();
        boolean stopped;
        long revision;

        FakeRun(BatchState state, Runnable onEnd) {
            this.state = state;
            this.onEnd = onEnd;
            this.revision = state.revision();
        }

        void end(BatchState last) {
            revision = last.revision();
            onEnd.run();
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
            stopped = true;
            onEnd.run();
        }

        @Override
        public void observe(BatchState update) {
            observed.add(update);
        }

        @Override
        public long revision() {
            return revision;
        }
    }
}
