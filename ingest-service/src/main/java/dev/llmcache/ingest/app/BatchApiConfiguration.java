package dev.llmcache.ingest.app;

import dev.llmcache.common.batch.BatchResult;
import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.SupervisedContainer;
import dev.llmcache.common.serde.NullOnErrorDeserializer;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ErrorResponses;
import dev.llmcache.ingest.api.QueryGateway;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.ApiKeys;
import dev.llmcache.ingest.batch.BatchRunner;
import dev.llmcache.ingest.batch.BatchStore;
import dev.llmcache.ingest.batch.BatchesHandler;
import dev.llmcache.ingest.batch.FileStore;
import dev.llmcache.ingest.batch.FilesHandler;
import dev.llmcache.ingest.batch.PartitionReader;
import dev.llmcache.ingest.batch.Batches;
import dev.llmcache.ingest.limits.RateLimiter;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.ingest.reply.PendingReplies;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Spring wiring of the OpenAI Files and Batch APIs, unless {@code llmcache.ingest.batch.enabled=false}:
 * files and batches kept in Kafka, and this instance's share of the batch runners' group.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "llmcache.ingest.batch.enabled", matchIfMissing = true)
public class BatchApiConfiguration {

    /** Files and batch records are few and not latency-critical: a short linger batches chunk acks. */
    @Bean(destroyMethod = "close")
    KafkaPublisher batchPublisher(KafkaClients clients) {
        return IngestConfiguration.publisher(clients, "batches", 5, 10_000, Duration.ofSeconds(30));
    }

    /** Health component {@code batchFiles}. */
    @Bean
    FileStore batchFiles(KafkaClients clients, KafkaSettings kafka, KafkaPublisher batchPublisher,
                         IngestProperties properties) {
        Topics topics = kafka.topics();
        return new FileStore(clients, topics.files(), topics.fileContents(), batchPublisher,
                (int) properties.batch().chunkSize().toBytes());
    }

    /** Health component {@code batchStates}. */
    @Bean
    BatchStore batchStates(KafkaClients clients, KafkaSettings kafka, KafkaPublisher batchPublisher) {
        return new BatchStore(clients, kafka.topics().batches(), batchPublisher);
    }

    @Bean(destroyMethod = "close")
    BatchRunner batchRunnerListener(KafkaClients clients, KafkaSettings kafka, FileStore batchFiles,
                                    BatchStore batchStates, KafkaPublisher batchPublisher, QueryGateway gateway,
                                    RateLimiter rateLimiter, PendingReplies pending, ApiKeys apiKeys,
                                    IngestProperties properties, MeterRegistry meters) {
        BatchRunner runner = Batches.runner(clients, kafka.topics(), batchFiles, batchStates, batchPublisher,
                gateway, rateLimiter, pending, apiKeys, properties, Clock.systemUTC(), meters);
        Gauge.builder("llmcache.batches.running", runner, BatchRunner::running)
                .description("Batches this instance is running").register(meters);
        return runner;
    }

    @Bean
    KafkaMessageListenerContainer<String, BatchState> batchRunnerContainer(KafkaClients clients, KafkaSettings kafka,
                                                                           BatchRunner batchRunnerListener) {
        Topic<String, BatchState> batches = kafka.topics().batches();
        String group = kafka.topicPrefix() + "batch-runners";
        ContainerProperties container = new ContainerProperties(batches.name());
        container.setGroupId(group);
        container.setMessageListener(batchRunnerListener);
        container.setConsumerRebalanceListener(batchRunnerListener);
        // Nothing to commit: every assignment reads its partitions from the beginning.
        container.setAckMode(ContainerProperties.AckMode.MANUAL);
        var factory = clients.consumerFactory("batch-runner", batches.keySerde().deserializer(),
                new NullOnErrorDeserializer<>(batches.valueSerde().deserializer()),
                Map.of(
                        // A runner joining or leaving moves only the partitions it must.
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                        // A runner that dies hands its batches on after 10 s, not 45 s.
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000),
                Map.of(
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.GROUP_ID_CONFIG, group));
        KafkaMessageListenerContainer<String, BatchState> created =
                new KafkaMessageListenerContainer<>(factory, container);
        created.setBeanName("batch-runner");
        created.setPhase(0);
        return created;
    }

    /** Health component {@code batchRunner}: DOWN while its consumer is not running; restarted if it stops. */
    @Bean
    SupervisedContainer batchRunner(KafkaMessageListenerContainer<String, BatchState> batchRunnerContainer) {
        return new SupervisedContainer(batchRunnerContainer, Duration.ofSeconds(5));
    }

    @Bean
    RouterFunction<ServerResponse> batchApiRoutes(FileStore batchFiles, BatchStore batchStates,
                                                  ApiAccessFilter apiAccessFilter, IngestProperties properties) {
        FilesHandler files = new FilesHandler(batchFiles, properties.batch().maxFileSize().toBytes());
        BatchesHandler batches = new BatchesHandler(batchFiles, batchStates, Clock.systemUTC());
        return RouterFunctions.route()
                .POST("/v1/files", files::create)
                .GET("/v1/files", files::list)
                .GET("/v1/files/{id}", files::get)
                .GET("/v1/files/{id}/content", files::content)
                .DELETE("/v1/files/{id}", files::delete)
                .POST("/v1/batches", batches::create)
                .GET("/v1/batches", batches::list)
                .GET("/v1/batches/{id}", batches::get)
                .POST("/v1/batches/{id}/cancel", batches::cancel)
                .onError(ApiException.class, (e, request) -> ErrorResponses.of((ApiException) e))
                .onError(KafkaPublisher.UnavailableException.class, (e, request) -> ErrorResponses.of(
                        ApiException.unavailable("Kafka is unavailable: " + e.getMessage())))
                .onError(PartitionReader.BusyException.class, (e, request) -> ErrorResponses.of(
                        ApiException.unavailable(e.getMessage())))
                .filter(apiAccessFilter)
                .build();
    }
}
