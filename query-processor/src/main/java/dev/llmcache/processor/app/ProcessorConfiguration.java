package dev.llmcache.processor.app;

import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.metrics.ObservabilityConventions;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.llm.LlmProvidersHealth;
import dev.llmcache.processor.llm.LlmRouter;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Spring wiring of the query processor: the topology and the LLM worker. */
@Configuration(proxyBeanMethods = false)
@Import(ObservabilityConventions.class)
@EnableConfigurationProperties({KafkaSettings.class, ProcessorProperties.class, LlmProperties.class})
public class ProcessorConfiguration {

    @Bean
    QueryProcessorStreams queryProcessorStreams(KafkaSettings kafka, ProcessorProperties properties,
                                                MeterRegistry meters) {
        return new QueryProcessorStreams(kafka, properties, meters);
    }

    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.worker.enabled", matchIfMissing = true)
    LlmRouter llmRouter(LlmProperties llm, ProcessorProperties properties, MeterRegistry meters) {
        LlmRouter router = LlmRouter.fromProperties(llm, properties.worker().maxInflight());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(router.breakers()).bindTo(meters);
        llm.providers().keySet().forEach(router.breakers()::circuitBreaker);
        router.breakers().circuitBreaker(LlmProperties.DEFAULT_PROVIDER);
        return router;
    }

    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.worker.enabled", matchIfMissing = true)
    LlmProvidersHealth llmProviders(LlmRouter router) {
        return new LlmProvidersHealth(router);
    }

    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.worker.enabled", matchIfMissing = true)
    LlmWorkerRunner llmWorkerRunner(KafkaSettings kafka, ProcessorProperties properties, LlmProperties llm,
                                    LlmRouter router, MeterRegistry meters, RequestTracing tracing) {
        return new LlmWorkerRunner(kafka, properties, llm, router, meters, tracing);
    }
}
