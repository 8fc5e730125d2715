package dev.llmcache.common.topic;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic of the product, typed: its name, the serdes of its keys and values, and how it is laid
 * out. Producers, consumers, topologies and tests all read and write a topic through this, so a
 * topic's wire format is defined in one place.
 *
 * @param coPartitioned part of the data plane: keyed by cache key and read together by the query
 *                      topology, so it must have the same partition count as the other data-plane topics
 * @param cleanupPolicy Kafka's {@code cleanup.policy}: {@code delete}, {@code compact} or both
 * @param retentionMs   {@code retention.ms}; {@code -1} for the broker's default
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, boolean coPartitioned,
                          String cleanupPolicy, long retentionMs) {

    static final String DELETE = TopicConfig.CLEANUP_POLICY_DELETE;
    static final String COMPACT = TopicConfig.CLEANUP_POLICY_COMPACT;
    static final String COMPACT_AND_DELETE = COMPACT + "," + DELETE;

    /** The topic as it is created, with this many partitions; no replication factor means the broker's default. */
    public NewTopic newTopic(int partitions, Optional<Short> replicationFactor) {
        Map<String, String> configs = new HashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy);
        if (retentionMs > 0) {
            configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs));
        }
        return new NewTopic(name, Optional.of(partitions), replicationFactor).configs(configs);
    }

    public byte[] keyBytes(K key) {
        return keySerde.serializer().serialize(name, key);
    }

    public byte[] valueBytes(V value) {
        return valueSerde.serializer().serialize(name, value);
    }

    @Override
    public String toString() {
        return name;
    }
}
