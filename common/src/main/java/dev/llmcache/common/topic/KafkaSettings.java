package dev.llmcache.common.topic;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How every service reaches Kafka and how the product's topics are laid out.
 *
 * @param bootstrapServers  the cluster; in the standalone product, empty means "start the embedded broker"
 * @param topicPrefix       prefix of every topic name
 * @param partitions        partitions of each data-plane topic (the unit of processor parallelism)
 * @param replicationFactor replication of the created topics
 */
@ConfigurationProperties("llmcache.kafka")
public record KafkaSettings(
        String bootstrapServers,
        @DefaultValue("llmcache.") String topicPrefix,
        @DefaultValue("6") int partitions,
        @DefaultValue("1") short replicationFactor) {

    public Topics topics() {
        return new Topics(topicPrefix);
    }
}
