package dev.llmcache.common.kafka;

import dev.llmcache.common.topic.KafkaSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * What every deployable shares about Kafka: client configuration from {@code spring.kafka.*}, the
 * topic declarations (created by Spring Boot's {@code KafkaAdmin} unless
 * {@code spring.kafka.admin.auto-create=false}), the start-up check of those topics, and the
 * {@code kafka} health component.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KafkaSettings.class)
public class KafkaConfiguration {

    @Bean
    KafkaClients kafkaClients(KafkaProperties properties, KafkaConnectionDetails connection, MeterRegistry meters) {
        return new KafkaClients(properties, connection, meters);
    }

    /** Every topic of the product, declared once for the whole JVM (the standalone runs all services). */
    @Bean
    KafkaAdmin.NewTopics llmcacheTopics(KafkaSettings settings) {
        return new KafkaAdmin.NewTopics(settings.topics().all().stream()
                .map(topic -> topic.newTopic(settings.partitions(), settings.replication()))
                .toArray(NewTopic[]::new));
    }

    /**
     * Checks the topics before any client starts. Also tells Spring Boot's {@code KafkaAdmin}
     * (which creates the declared topics once every bean exists) to create missing topics only.
     */
    @Bean
    TopicCheck topicCheck(KafkaClients clients, KafkaSettings settings, KafkaProperties properties, KafkaAdmin admin) {
        Duration timeout = properties.getAdmin().getOperationTimeout();
        long timeoutMs = timeout == null ? 30_000 : timeout.toMillis();
        admin.setCreateOrModifyTopic(new OnlyMissingTopics(clients.adminConfig("topic-setup"), timeoutMs));
        return new TopicCheck(clients.adminConfig("topic-check"), settings.topics().all(), clients.bootstrapServers(),
                timeoutMs);
    }

    /** Probes the cluster every second; a probe waits at most 2 s for its answer. */
    @Bean
    KafkaReachability kafkaReachability(KafkaClients clients) {
        return new KafkaReachability(clients.adminConfig("reachability"), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Clock.systemUTC());
    }

    @Bean
    KafkaHealthIndicator kafka(KafkaReachability kafkaReachability, KafkaClients clients) {
        return new KafkaHealthIndicator(kafkaReachability, clients.bootstrapServers(), Clock.systemUTC());
    }

}
