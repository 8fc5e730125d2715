package dev.llmcache.common.batch;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition Kafka's default partitioner gives a string key: the rule by which a batch's
 * record on {@code batches} and its results on {@code batch-results} land in partitions the same
 * runner owns, and a file's chunks all land in one partition.
 */
public final class KeyPartition {

    private KeyPartition() {
    }

    public static int of(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
