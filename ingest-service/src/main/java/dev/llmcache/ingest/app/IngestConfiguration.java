package dev.llmcache.ingest.app;

import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.KafkaConfiguration;
import dev.llmcache.common.kafka.KafkaReachability;
import dev.llmcache.common.redis.RedisConfigured;
import dev.llmcache.common.redis.RedisSettings;
import org.springframework.context.annotation.Conditional;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.llm.PriceTable;
import dev.llmcache.common.metrics.ObservabilityConventions;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.api.ApiErrorHandler;
import dev.llmcache.ingest.api.ApiRoutes;
import dev.llmcache.ingest.api.ChatRequestParser;
import dev.llmcache.ingest.semantic.SemanticPolicy;
import dev.llmcache.ingest.api.HeaderSizeLimit;
import dev.llmcache.ingest.api.EdgeHitFastPath;
import dev.llmcache.ingest.api.QueryGateway;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.ApiKeys;
import dev.llmcache.ingest.limits.Buckets;
import dev.llmcache.ingest.limits.LocalBuckets;
import dev.llmcache.ingest.limits.RateLimiter;
import dev.llmcache.ingest.limits.RedisBuckets;
import dev.llmcache.common.cache.CacheEntriesReplica;
import dev.llmcache.ingest.edge.EdgeCache;
import dev.llmcache.ingest.edge.MemoryTier;
import dev.llmcache.ingest.edge.RedisTier;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.ingest.reply.KafkaOutage;
import dev.llmcache.ingest.reply.PendingReplies;
import dev.llmcache.ingest.reply.ReplyChannel;
import dev.llmcache.ingest.telemetry.QueryTelemetry;
import dev.llmcache.ingest.telemetry.TelemetrySender;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;

/** Spring wiring of the ingest edge: the HTTP routes and their Kafka plumbing. */
@Configuration(proxyBeanMethods = false)
@Import({ObservabilityConventions.class, KafkaConfiguration.class, BatchApiConfiguration.class})
@EnableConfigurationProperties({KafkaSettings.class, LlmProperties.class, IngestProperties.class,
        RedisSettings.class})
public class IngestConfiguration {

    private static final Logger log = LoggerFactory.getLogger(IngestConfiguration.class);

    private static final String EDGE_MEMORY_ENABLED = "llmcache.ingest.edge.memory.enabled";
    /** Longer than an edge lookup's: a budget check that times out is a budget per instance. */
    private static final Duration RATE_LIMIT_REDIS_TIMEOUT = Duration.ofMillis(200);
    private static final Duration TELEMETRY_INTERVAL = Duration.ofMillis(20);

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
    ReplyChannel replyChannel(KafkaClients clients, KafkaSettings kafka, PendingReplies pending,
                              IngestProperties properties) {
        return new ReplyChannel(clients, kafka.topics().answers(), pending, properties.replyPartitions());
    }

    /** Every query is latency-critical: sent at once. */
    @Bean(destroyMethod = "close")
    KafkaPublisher queryPublisher(KafkaClients clients, IngestProperties properties) {
        return publisher(clients, "queries", 0, properties.maxInflightRequests(), properties.publishTimeout());
    }

    /**
     * Telemetry is not latency-critical: sent in batches every 20 ms from a thread of its own, so
     * that a request (a hit above all) pays no Kafka call for it.
     */
    @Bean(destroyMethod = "close")
    TelemetrySender telemetrySender(KafkaClients clients, IngestProperties properties) {
        ProducerFactory<byte[], byte[]> producers = clients.producerFactory("telemetry", new ByteArraySerializer(),
                new ByteArraySerializer(), Map.of(
                        // The sender already batches; the producer adds no wait of its own.
                        ProducerConfig.LINGER_MS_CONFIG, 0,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        // Two events per request; while Kafka is away the producer's own buffer (32 MB) holds more.
        return new TelemetrySender(producers.createProducer(), TELEMETRY_INTERVAL,
                Math.max(10_000, 2 * properties.maxInflightRequests()));
    }

    static KafkaPublisher publisher(KafkaClients clients, String client, int lingerMs, int queueCapacity,
                                            Duration deadline) {
        ProducerFactory<byte[], byte[]> producers = clients.producerFactory(client, new ByteArraySerializer(),
                new ByteArraySerializer(), Map.of(
                        ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                        // Fail fast into a 503 instead of holding the client while Kafka is away.
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000),
                // An accepted query is one Kafka has stored durably.
                Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        return new KafkaPublisher(new KafkaTemplate<>(producers), queueCapacity, deadline);
    }

    @Bean
    QueryTelemetry queryTelemetry(TelemetrySender telemetrySender, KafkaSettings kafka, LlmProperties llm,
                                  MeterRegistry meters) {
        return new QueryTelemetry(telemetrySender, kafka.topics(), new PriceTable(llm.pricing()), meters);
    }

    @Bean
    KafkaOutage kafkaOutage(PendingReplies pending, IngestProperties properties, KafkaReachability reachability,
                            KafkaPublisher queryPublisher, TelemetrySender telemetrySender) {
        KafkaOutage outage = new KafkaOutage(pending, properties.kafkaOutageGrace(), Clock.systemUTC(),
                () -> Math.max(pending.lastDeliveryAt(),
                        Math.max(queryPublisher.lastAckAt(), telemetrySender.lastAckAt())));
        reachability.addListener(outage);
        return outage;
    }

    /** The in-memory edge tier, unless {@code llmcache.ingest.edge.memory.enabled=false}. */
    @Bean
    @ConditionalOnProperty(name = EDGE_MEMORY_ENABLED, matchIfMissing = true)
    MemoryTier memoryTier(IngestProperties properties, MeterRegistry meters) {
        MemoryTier memory = new MemoryTier(properties.edge().memory().size().toBytes(), Clock.systemUTC());
        Gauge.builder("llmcache.edge.memory.entries", memory, MemoryTier::entries)
                .description("Answers in this instance's in-memory edge tier").register(meters);
        Gauge.builder("llmcache.edge.memory.bytes", memory, MemoryTier::bytes).baseUnit("bytes")
                .description("Estimated heap the in-memory edge tier takes").register(meters);
        return memory;
    }

    /** Health component {@code edgeReplica}: the memory tier's feed from {@code cache-entries}. */
    @Bean
    @ConditionalOnProperty(name = EDGE_MEMORY_ENABLED, matchIfMissing = true)
    CacheEntriesReplica edgeReplica(KafkaClients clients, KafkaSettings kafka, MemoryTier memoryTier) {
        return new CacheEntriesReplica(clients, kafka.topics().cacheEntries(), kafka.topics().cacheCommands(),
                memoryTier, "edge");
    }

    /** The Redis edge tier, when {@code llmcache.redis.url} ({@code REDIS_URL}) is set; health component {@code edgeRedis}. */
    @Bean(destroyMethod = "close")
    @Conditional(RedisConfigured.class)
    RedisTier edgeRedis(RedisSettings redis) {
        return new RedisTier(redis);
    }

    @Bean
    EdgeCache edgeCache(ObjectProvider<MemoryTier> memoryTier, ObjectProvider<RedisTier> edgeRedis,
                        @Qualifier("edgeReplica") ObjectProvider<CacheEntriesReplica> edgeReplica) {
        CacheEntriesReplica replica = edgeReplica.getIfAvailable();
        return new EdgeCache(memoryTier.getIfAvailable(), edgeRedis.getIfAvailable(),
                replica == null ? entry -> false : replica::invalidated, Clock.systemUTC());
    }

    @Bean
    QueryGateway queryGateway(ModelCatalog catalog, IngestProperties properties, PendingReplies pending,
                              ReplyChannel replies, KafkaPublisher queryPublisher, KafkaSettings kafka,
                              QueryTelemetry telemetry, RequestTracing tracing, KafkaOutage kafkaOutage,
                              EdgeCache edgeCache) {
        ChatRequestParser parser = new ChatRequestParser(catalog, properties.defaultTenant(), properties.sharedNamespace(),
                properties.limits(), new SemanticPolicy(properties.semantic().settings()));
        return new QueryGateway(parser, pending, replies, queryPublisher, kafka.topics().queries(), telemetry, tracing,
                properties.maxBodySize().toBytes(), properties.requestTimeout(), kafkaOutage, edgeCache);
    }

    @Bean
    ApiKeys apiKeys(IngestProperties properties) {
        ApiKeys keys = new ApiKeys(properties.auth().keys());
        if (keys.open()) {
            log.warn("No API keys configured (llmcache.ingest.auth.keys): the API is OPEN. Every request is"
                    + " accepted and served as the tenant its X-Tenant-ID header names, else '{}'."
                    + " Configure keys before exposing it beyond a trusted network.", properties.defaultTenant());
        } else {
            log.info("API keys required: {} configured; tenants come from the keys", keys.size());
        }
        return keys;
    }

    /**
     * Budgets shared by every instance through Redis, when it is configured (unless
     * {@code llmcache.ingest.rate-limits.distributed=false}); health component {@code rateLimitRedis}.
     */
    @Bean
    @Conditional(RedisConfigured.class)
    @ConditionalOnProperty(name = "llmcache.ingest.rate-limits.distributed", matchIfMissing = true)
    RedisBuckets rateLimitRedis(RedisSettings redis) {
        return new RedisBuckets(redis, RATE_LIMIT_REDIS_TIMEOUT, new LocalBuckets());
    }

    @Bean
    RateLimiter rateLimiter(IngestProperties properties, ObjectProvider<RedisBuckets> rateLimitRedis) {
        Buckets buckets = rateLimitRedis.getIfAvailable();
        return new RateLimiter(properties.rateLimits(), buckets != null ? buckets : new LocalBuckets());
    }

    /** In front of every API route: keys, tenants and request budgets. */
    @Bean
    ApiAccessFilter apiAccessFilter(ApiKeys apiKeys, RateLimiter rateLimiter, IngestProperties properties) {
        return new ApiAccessFilter(apiKeys, rateLimiter, properties.defaultTenant());
    }

    @Bean
    RouterFunction<ServerResponse> apiRoutes(QueryGateway gateway, ModelCatalog catalog, ApiAccessFilter apiAccessFilter) {
        return ApiRoutes.of(gateway, catalog, apiAccessFilter);
    }

    /**
     * Chat hits of the edge tiers answered before WebFlux's dispatch ({@link EdgeHitFastPath}),
     * unless {@code llmcache.ingest.edge.fast-path=false}.
     */
    @Bean
    @ConditionalOnProperty(name = "llmcache.ingest.edge.fast-path", matchIfMissing = true)
    HttpHandlerDecoratorFactory edgeHitFastPath(QueryGateway gateway, ApiAccessFilter apiAccessFilter,
                                                  IngestProperties properties,
                                                  ObjectProvider<ForwardedHeaderTransformer> forwardedHeaders) {
        if (forwardedHeaders.getIfAvailable() != null) {
            // It rebuilds each request inside WebFlux, which would lose what the fast path hands on.
            log.info("Edge fast path off: server.forward-headers-strategy=framework rebuilds requests");
            return webFlux -> webFlux;
        }
        return webFlux -> new EdgeHitFastPath(webFlux, gateway, apiAccessFilter, properties.maxBodySize().toBytes(),
                properties.limits().maxHeaderSize().toBytes());
    }

    /** Request heads beyond {@code llmcache.ingest.limits.max-header-size} get 431 in the API's error shape. */
    @Bean
    HeaderSizeLimit headerSizeLimit(IngestProperties properties) {
        return new HeaderSizeLimit(properties.limits().maxHeaderSize().toBytes());
    }

    @Bean
    ApiErrorHandler apiErrorHandler() {
        return new ApiErrorHandler();
    }
}
