package dev.llmcache.cache.app;

import dev.llmcache.cache.redis.RedisReplica;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.KafkaConfiguration;
import dev.llmcache.common.kafka.SupervisedContainer;
import dev.llmcache.common.redis.RedisSettings;
import dev.llmcache.common.serde.NullOnErrorDeserializer;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.redis.RedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import dev.llmcache.common.redis.RedisConfigured;
import org.springframework.context.annotation.Conditional;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

/** The Redis replica of {@code cache-entries}, when {@code llmcache.redis.url} ({@code REDIS_URL}) is set. */
@Configuration(proxyBeanMethods = false)
@Conditional(RedisConfigured.class)
@Import(KafkaConfiguration.class)
@EnableConfigurationProperties({KafkaSettings.class, RedisSettings.class})
public class RedisReplicaConfiguration {

    /** Writes wait at most this long for Redis; then the batch is retried. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);

    @Bean(destroyMethod = "close")
    RedisConnection<String, String> redisReplicaConnection(RedisSettings redis) {
        return RedisConnection.strings(redis.url(), WRITE_TIMEOUT);
    }

    /** Health component {@code redisReplica}: DEGRADED while Redis keeps refusing the writes. */
    @Bean
    RedisReplica redisReplica(RedisConnection<String, String> redisReplicaConnection, RedisSettings redis) {
        return new RedisReplica(redisReplicaConnection, redis, WRITE_TIMEOUT, Clock.systemUTC());
    }

    @Bean
    KafkaMessageListenerContainer<String, CachedAnswer> redisReplicaContainer(KafkaClients clients,
                                                                              KafkaSettings kafka,
                                                                              RedisReplica redisReplica) {
        Topic<String, CachedAnswer> entries = kafka.topics().cacheEntries();
        ContainerProperties properties = new ContainerProperties(entries.name());
        String group = kafka.topics().prefix() + "redis-replica";
        properties.setGroupId(group);
        properties.setMessageListener(redisReplica);
        properties.setAckMode(ContainerProperties.AckMode.MANUAL);
        // A flushed Redis is noticed within this long even when no new entries come.
        properties.setIdleEventInterval(5_000L);
        var factory = clients.consumerFactory("redis-replica", entries.keySerde().deserializer(),
                new NullOnErrorDeserializer<>(entries.valueSerde().deserializer()),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500),
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.GROUP_ID_CONFIG, group));
        KafkaMessageListenerContainer<String, CachedAnswer> container =
                new KafkaMessageListenerContainer<>(factory, properties);
        container.setBeanName("redis-replica");
        // Redis away: the batch is retried every second (it is never skipped) until Redis is back.
        container.setCommonErrorHandler(new DefaultErrorHandler(new FixedBackOff(1_000, FixedBackOff.UNLIMITED_ATTEMPTS)));
        return container;
    }

    /** Health component {@code redisReplicaConsumer}: DOWN while its consumer is not running; restarted if it stops. */
    @Bean
    SupervisedContainer redisReplicaConsumer(KafkaMessageListenerContainer<String, CachedAnswer> redisReplicaContainer) {
        return new SupervisedContainer(redisReplicaContainer, Duration.ofSeconds(5));
    }
}
