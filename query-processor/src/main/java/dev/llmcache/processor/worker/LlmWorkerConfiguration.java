package dev.llmcache.processor.worker;

import dev.llmcache.common.cache.CacheEntriesReplica;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.SupervisedContainer;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.serde.NullOnErrorDeserializer;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.llm.LlmRouter;
import dev.llmcache.processor.semantic.LexicalGuard;
import dev.llmcache.processor.semantic.SemanticIndex;
import dev.llmcache.processor.semantic.SemanticLookup;
import dev.llmcache.processor.semantic.SemanticMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The LLM worker as it runs in this JVM: a spring-kafka listener container on {@code llm-requests}
 * feeding the {@link LlmWorker}, a {@link KafkaTemplate} for {@code llm-responses} (and the starters'
 * first tokens on {@code answers}), and the
 * {@code llmWorker} health component.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "llmcache.processor.worker.enabled", matchIfMissing = true)
public class LlmWorkerConfiguration {

    /** The semantic cache's index: every entry with a question vector, fed from {@code cache-entries}. */
    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.semantic.enabled", matchIfMissing = true)
    SemanticIndex semanticIndex(ProcessorProperties properties) {
        ProcessorProperties.Semantic semantic = properties.semantic();
        return new SemanticIndex(semantic.maxEntries(), semantic.maxSize().toBytes(), semantic.maxEntriesPerScope(),
                Clock.systemUTC());
    }

    /** Health component {@code semanticReplica}: the index's feed from {@code cache-entries} and {@code cache-commands}. */
    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.semantic.enabled", matchIfMissing = true)
    CacheEntriesReplica semanticReplica(KafkaClients clients, KafkaSettings kafka, SemanticIndex semanticIndex) {
        return new CacheEntriesReplica(clients, kafka.topics().cacheEntries(), kafka.topics().cacheCommands(),
                semanticIndex, "semantic");
    }

    /**
     * Where searches run: CPU work of up to a few milliseconds, off Netty's and Reactor's timer
     * threads, on two threads of their own with a bounded queue (beyond it, a miss).
     */
    @Bean(destroyMethod = "dispose")
    @ConditionalOnProperty(name = "llmcache.processor.semantic.enabled", matchIfMissing = true)
    Scheduler semanticSearches() {
        return Schedulers.newBoundedElastic(2, 256, "semantic-search");
    }

    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.semantic.enabled", matchIfMissing = true)
    SemanticLookup semanticLookup(ProcessorProperties properties, LlmRouter router, SemanticIndex semanticIndex,
                                  CacheEntriesReplica semanticReplica, Scheduler semanticSearches,
                                  MeterRegistry meters) {
        ProcessorProperties.Semantic semantic = properties.semantic();
        String model = semantic.embeddingModel();
        return new SemanticLookup(text -> router.embedText(model, text), model, semanticIndex, new LexicalGuard(),
                semantic.lookupTimeout(), semanticSearches,
                new SemanticMetrics(meters, semanticIndex),
                Clock.systemUTC(), semanticReplica::isFed);
    }

    @Bean(destroyMethod = "close")
    LlmWorker llmWorkerListener(KafkaClients clients, KafkaSettings kafka, ProcessorProperties properties,
                                LlmProperties llm, LlmRouter router, MeterRegistry meters, RequestTracing tracing,
                                ObjectProvider<SemanticLookup> semanticLookup) {
        Topic<String, LlmResponse> responses = kafka.topics().llmResponses();
        Topic<String, Answer> answers = kafka.topics().answers();
        // One producer for the call's responses and for the first token it sends straight to the starter.
        Serializer<Object> values = new DelegatingByTypeSerializer(Map.of(
                LlmResponse.class, responses.valueSerde().serializer(),
                Answer.class, answers.valueSerde().serializer()));
        KafkaTemplate<String, Object> template = new KafkaTemplate<>(clients.producerFactory("llm-responses",
                responses.keySerde().serializer(), values,
                // Tokens are latency-critical; batching is done per call (chunkInterval), not by the producer.
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 0,
                        // While Kafka is away a send waits at most this long on the one publisher
                        // thread (then the outcome is retried), not Kafka's 60 s.
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000),
                // A request's offset is committed once its outcome is acknowledged: it must be durable.
                Map.of(ProducerConfig.ACKS_CONFIG, "all")));
        ProcessorProperties.Worker settings = properties.worker();
        LlmWorker worker = new LlmWorker(template, responses.name(), router,
                new LlmWorker.Settings(settings.maxInflight(), settings.chunkInterval(), llm.timeouts(),
                        settings.maxAnswerSize().toBytes(), llm::maxConcurrentCallsOf), meters, tracing,
                semanticLookup.getIfAvailable());
        Gauge.builder("llmcache.llm.inflight", worker, LlmWorker::inflight)
                .description("LLM calls running in this worker").register(meters);
        for (String provider : router.providers().keySet()) {
            Gauge.builder("llmcache.llm.provider.inflight", worker, w -> w.inflightOf(provider))
                    .tag("provider", provider)
                    .description("LLM calls running in this worker for one provider").register(meters);
        }
        return worker;
    }

    @Bean
    KafkaMessageListenerContainer<String, LlmRequest> llmWorkerContainer(KafkaClients clients, KafkaSettings kafka,
                                                                         ProcessorProperties properties,
                                                                         LlmWorker llmWorkerListener) {
        Topic<String, LlmRequest> requests = kafka.topics().llmRequests();
        ProcessorProperties.Worker settings = properties.worker();
        ContainerProperties container = new ContainerProperties(requests.name());
        container.setGroupId(settings.groupId());
        container.setMessageListener(llmWorkerListener);
        container.setConsumerRebalanceListener(llmWorkerListener);
        // Acknowledged by the worker once an outcome is published, up to the oldest unfinished request.
        container.setAckMode(ContainerProperties.AckMode.MANUAL);
        // Acknowledgments from finished calls are committed when the consumer thread next wakes.
        container.setPollTimeout(1_000);
        var factory = clients.consumerFactory("llm-worker", requests.keySerde().deserializer(),
                new NullOnErrorDeserializer<>(requests.valueSerde().deserializer()),
                Map.of(
                        // A new worker group must not skip requests already waiting.
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(500, settings.maxInflight()),
                        // A worker joining or leaving moves only the partitions it must: with an eager
                        // assignor every member would drop (and re-run) all of its running calls.
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                        // A worker that dies without leaving the group releases its requests after 10 s, not 45 s.
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000),
                Map.of(
                        // Offsets are committed by the worker, only once a request's outcome is published.
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.GROUP_ID_CONFIG, settings.groupId()));
        KafkaMessageListenerContainer<String, LlmRequest> created =
                new KafkaMessageListenerContainer<>(factory, container);
        created.setBeanName("llm-worker");
        // Start before the web server and stop after it has drained.
        created.setPhase(0);
        llmWorkerListener.attach(created);
        return created;
    }

    /** Health component {@code llmWorker}: DOWN while its consumer is not running; restarted if it stops. */
    @Bean
    SupervisedContainer llmWorker(KafkaMessageListenerContainer<String, LlmRequest> llmWorkerContainer) {
        return new SupervisedContainer(llmWorkerContainer, Duration.ofSeconds(5));
    }
}
