package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchResult;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.ingest.publish.KafkaPublisher;
import java.time.Clock;

/**
 * What every {@link BatchRun} works with.
 *
 * @param concurrency  lines of one batch in flight at once
 * @param maxLines     lines an input file may have
 * @param maxLineBytes bytes one input line may have
 * @param resultsPartitions partitions of {@code batch-results}
 */
record BatchWork(FileStore files, BatchStore batches, PartitionReader reader, KafkaPublisher publisher,
                 Topic<String, BatchResult> results, int resultsPartitions, LineRunner lines, int concurrency, int maxLines,
                 int maxLineBytes, Clock clock) {

    long nowSeconds() {
        return clock.millis() / 1000;
    }
}
