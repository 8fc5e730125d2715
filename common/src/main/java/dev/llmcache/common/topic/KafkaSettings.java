package dev.llmcache.common.topic;

import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the product's topics are laid out. How clients reach the cluster (servers, security,
 * client settings) is Spring Boot's {@code spring.kafka.*}; see {@code KafkaClients}.
 *
 * @param topicPrefix       prefix of every topic name
 * @param partitions        partitions of each topic the product creates (the data-plane count is the
 *                          unit of processor parallelism)
 * @param replicationFactor replication of the created topics; empty for the broker's
 *                          {@code default.replication.factor}
 */
@ConfigurationProperties("llmcache.kafka")
public record KafkaSettings(
        @DefaultValue("llmcache.") String topicPrefix,
        @DefaultValue("6") int partitions,
        Short replicationFactor) {

    public Topics topics() {
        return new Topics(topicPrefix);
    }

    public Optional<Short> replication() {
        return Optional.ofNullable(replicationFactor);
    }
}
