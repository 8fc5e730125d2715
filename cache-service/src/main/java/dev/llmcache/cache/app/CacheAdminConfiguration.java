package dev.llmcache.cache.app;

import dev.llmcache.cache.admin.AdminKey;
import dev.llmcache.cache.admin.CacheAdminHandler;
import dev.llmcache.cache.admin.CommandPublisher;
import dev.llmcache.cache.admin.QueryExport;
import dev.llmcache.cache.analytics.AnalyticsQueries;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.KafkaConfiguration;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.Topic;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Spring wiring of the cache control plane: the admin API and its {@code cache-commands} producer. */
@Configuration(proxyBeanMethods = false)
@Import(KafkaConfiguration.class)
@EnableConfigurationProperties({KafkaSettings.class, AdminProperties.class})
public class CacheAdminConfiguration {

    /** Query exports (each a Kafka consumer and a thread while it runs) at once per instance. */
    static final int MAX_EXPORTS = 2;

    @Bean(destroyMethod = "destroy")
    KafkaTemplate<String, CacheCommand> cacheCommandsTemplate(KafkaClients clients, KafkaSettings kafka) {
        Topic<String, CacheCommand> commands = kafka.topics().cacheCommands();
        return new KafkaTemplate<>(clients.producerFactory("cache-commands", commands.keySerde().serializer(),
                commands.valueSerde().serializer(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000),
                // An accepted command is one Kafka has stored durably.
                Map.of(ProducerConfig.ACKS_CONFIG, "all")));
    }

    @Bean
    RouterFunction<ServerResponse> cacheAdminRoutes(AdminProperties properties, KafkaSettings kafka, KafkaClients clients,
                                                    KafkaTemplate<String, CacheCommand> cacheCommandsTemplate,
                                                    ObjectProvider<AnalyticsQueries> analytics) {
        AdminKey key = AdminKey.configured(properties.apiKey(), properties.apiKeySha256());
        if (!key.enabled()) {
            LoggerFactory.getLogger(CacheAdminConfiguration.class)
                    .info("The cache admin API is disabled: set llmcache.admin.api-key (LLMCACHE_ADMIN_API_KEY) or its api-key-sha256");
        }
        Topic<String, QueryRequest> queries = kafka.topics().queries();
        QueryExport export = new QueryExport(clients.consumerFactory("query-export", queries,
                // Reads a fixed range once: no group, nothing committed.
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1_000),
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)), queries.name(), MAX_EXPORTS,
                Duration.ofSeconds(30));
        CacheAdminHandler admin = new CacheAdminHandler(key,
                new CommandPublisher(cacheCommandsTemplate, kafka.topics().cacheCommands()),
                analytics.getIfAvailable(), export, Clock.systemUTC());
        return RouterFunctions.route()
                .GET("/cache/entries/{key}", admin::get)
                .DELETE("/cache/entries/{key}", admin::delete)
                .POST("/cache/invalidate", admin::invalidate)
                .POST("/cache/clear", admin::clear)
                .GET("/cache/queries", admin::queries)
                .build();
    }
}
