package dev.llmcache.processor.app;

import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.KafkaConfiguration;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.metrics.ObservabilityConventions;
import dev.llmcache.common.streams.SupervisedStreams;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.llm.LlmProvidersHealth;
import dev.llmcache.processor.llm.LlmRouter;
import dev.llmcache.processor.topology.QueryTopology;
import dev.llmcache.processor.worker.LlmWorkerConfiguration;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.Topology;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/** Spring wiring of the query processor: the topology and the LLM worker. */
@Configuration(proxyBeanMethods = false)
@Import({ObservabilityConventions.class, KafkaConfiguration.class, LlmWorkerConfiguration.class})
@EnableConfigurationProperties({KafkaSettings.class, ProcessorProperties.class, LlmProperties.class})
public class ProcessorConfiguration {

    /** The topology's Kafka Streams application, run by spring-kafka. */
    @Bean
    StreamsBuilderFactoryBean queryProcessorTopology(KafkaClients clients, KafkaSettings kafka,
                                                     ProcessorProperties properties) {
        return SupervisedStreams.factory(QueryProcessorStreams.streamsConfig(clients, kafka, properties),
                new KafkaStreamsInfrastructureCustomizer() {
                    @Override
                    public void configureTopology(Topology topology) {
                        QueryTopology.addTo(topology, kafka.topics(),
                                QueryProcessorStreams.topologySettings(kafka, properties));
                    }
                });
    }

    /** Health component {@code queryProcessorStreams}, and the cache gauges. */
    @Bean
    QueryProcessorStreams queryProcessorStreams(BeanFactory beans, ProcessorProperties properties,
                                                MeterRegistry meters) {
        return new QueryProcessorStreams(beans.getBean("&queryProcessorTopology", StreamsBuilderFactoryBean.class),
                properties, meters);
    }

    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.worker.enabled", matchIfMissing = true)
    LlmRouter llmRouter(LlmProperties llm, ProcessorProperties properties, MeterRegistry meters) {
        LlmRouter router = LlmRouter.fromProperties(llm, properties.worker().maxInflight(), properties.embeddings(),
                meters);
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
}
