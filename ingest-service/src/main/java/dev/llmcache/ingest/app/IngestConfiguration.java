package dev.llmcache.ingest.app;

import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.llm.PriceTable;
import dev.llmcache.common.metrics.ObservabilityConventions;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.api.ApiErrorHandler;
import dev.llmcache.ingest.api.ChatCompletionsHandler;
import dev.llmcache.ingest.api.ChatRequestParser;
import dev.llmcache.ingest.api.ModelsHandler;
import dev.llmcache.ingest.api.NativeQueryHandler;
import dev.llmcache.ingest.api.QueryGateway;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.ingest.reply.PendingReplies;
import dev.llmcache.ingest.reply.ReplyChannel;
import dev.llmcache.ingest.telemetry.QueryTelemetry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Spring wiring of the ingest edge: the HTTP routes and their Kafka plumbing. */
@Configuration(proxyBeanMethods = false)
@Import(ObservabilityConventions.class)
@EnableConfigurationProperties({KafkaSettings.class, LlmProperties.class, IngestProperties.class})
public class IngestConfiguration {

    @Bean
    ModelCatalog modelCatalog(LlmProperties llm) {
        return new ModelCatalog(llm);
    }

    @Bean
    PendingReplies pendingReplies(IngestProperties properties, MeterRegistry meters) {
        PendingReplies pending = new PendingReplies(properties.maxInflightRequests());
        Gauge.builder("llmcache.ingest.requests.inflight", pending, PendingReplies::size)
                .description("Requests waiting for their answer").register(meters);
        return pending;
    }

    @Bean
    ReplyChannel replyChannel(KafkaSettings kafka, PendingReplies pending, IngestProperties properties) {
        return new ReplyChannel(kafka, pending, properties.replyPartitions());
    }

    @Bean(destroyMethod = "close")
    KafkaPublisher queryPublisher(KafkaSettings kafka, IngestProperties properties, MeterRegistry meters) {
        // The topics ingest writes to: created here too, so ingest can start before the processor.
        List<Topics.Spec> written = new ArrayList<>(kafka.topics().dataPlane());
        written.addAll(kafka.topics().metrics());
        TopicProvisioner.ensure(kafka, written, kafka.partitions());
        // Every query is latency-critical: sent at once.
        return publisher(kafka, 0, properties.maxInflightRequests(), meters);
    }

    /** Telemetry is not latency-critical: batched for 20 ms, fewer requests for the broker. */
    @Bean(destroyMethod = "close")
    KafkaPublisher telemetryPublisher(KafkaSettings kafka, IngestProperties properties, MeterRegistry meters) {
        return publisher(kafka, 20, 2 * properties.maxInflightRequests(), meters);
    }

    private static KafkaPublisher publisher(KafkaSettings kafka, int lingerMs, int queueCapacity, MeterRegistry meters) {
        KafkaProducer<String, Object> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.ACKS_CONFIG, "all",
                // Fail fast into a 503 instead of holding the client while Kafka is away.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000),
                new StringSerializer(), JsonSerde.of(Object.class));
        new KafkaClientMetrics(producer).bindTo(meters);
        return new KafkaPublisher(producer, queueCapacity);
    }

    @Bean
    QueryTelemetry queryTelemetry(KafkaPublisher telemetryPublisher, KafkaSettings kafka, LlmProperties llm,
                                  MeterRegistry meters) {
        return new QueryTelemetry(telemetryPublisher, kafka.topics(), new PriceTable(llm.pricing()), meters);
    }

    @Bean
    QueryGateway queryGateway(ModelCatalog catalog, IngestProperties properties, PendingReplies pending,
                              ReplyChannel replies, KafkaPublisher queryPublisher, KafkaSettings kafka,
                              QueryTelemetry telemetry, RequestTracing tracing) {
        ChatRequestParser parser = new ChatRequestParser(catalog, properties.defaultTenant(), properties.sharedNamespace());
        return new QueryGateway(parser, pending, replies, queryPublisher, kafka.topics().queries(), telemetry, tracing,
                properties.maxBodySize().toBytes(), properties.requestTimeout());
    }

    @Bean
    RouterFunction<ServerResponse> apiRoutes(QueryGateway gateway, ModelCatalog catalog) {
        ChatCompletionsHandler chat = new ChatCompletionsHandler(gateway);
        NativeQueryHandler queries = new NativeQueryHandler(gateway);
        ModelsHandler models = new ModelsHandler(catalog);
        return RouterFunctions.route()
                .POST("/v1/chat/completions", chat::handle)
                .POST("/v1/queries", queries::handle)
                .GET("/v1/models", models::handle)
                .build();
    }

    @Bean
    ApiErrorHandler apiErrorHandler() {
        return new ApiErrorHandler();
    }
}
